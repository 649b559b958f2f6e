import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { TestCluster, testPortOffset } from '../support/local-cluster.js';

// A client generated from the committed contract (docs/openapi.json) by a
// standard OpenAPI generator, @hey-api/openapi-ts with its fetch client,
// type-checks against the generated types and calls the lock API of a real
// local cluster: acquire through any node, a second owner refused with the
// documented error, read, list (query parameters), release. A call with a wrongly typed body must not
// compile, so the generated types are what is being checked, not just URLs.

const REPO_ROOT = resolve(__dirname, '..', '..');

const DEMO = `
import { client } from './gen/client.gen.js';
import { lockAcquire, lockList, lockRead, lockRelease } from './gen/sdk.gen.js';

client.setConfig({ baseUrl: process.env.DSS_URL });
const resource = 'generated-client';
const first = await lockAcquire({ body: { resource, owner: 'gen-1', ttlMs: 10_000 } });
const token: number | undefined = first.data?.fencingToken;
const second = await lockAcquire({ body: { resource, owner: 'gen-2' } });
const read = await lockRead({ path: { resource } });
const listed = await lockList({ query: { prefix: 'generated-', limit: 5 } });
const released = await lockRelease({ body: { resource, owner: 'gen-1' } });
console.log(JSON.stringify({
  acquired: first.response?.status, token,
  refused: second.response?.status, code: second.error?.error.code,
  read: read.response?.status, holders: read.data?.holders.map((h) => h.owner),
  listed: listed.data?.resources.map((r) => r.resource), truncated: listed.data?.truncated,
  released: released.response?.status,
}));
`;

const WRONG = `
import { lockAcquire } from './gen/sdk.gen.js';
await lockAcquire({ body: { resource: 'r', owner: 'o', ttlMs: '5s' } });
`;

function compile(dir: string, file: string): string[] {
  const program = ts.createProgram([join(dir, file)], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
    skipLibCheck: true,
    outDir: join(dir, 'js'),
  });
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
}

describe('a client generated from docs/openapi.json', () => {
  jest.setTimeout(180_000);
  const cluster = new TestCluster(testPortOffset() + 180);
  const dir = mkdtempSync(join(tmpdir(), 'dss-openapi-client-'));

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  }, 240_000);
  afterAll(async () => {
    await cluster.dispose();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('compiles against the generated types, refuses a wrongly typed body, and calls the lock API', () => {
    // The generator is ESM only, which jest's CommonJS transform cannot load: run it as node would.
    const generate = `const { createClient } = await import('@hey-api/openapi-ts');
      await createClient({ input: ${JSON.stringify(join(REPO_ROOT, 'docs', 'openapi.json'))}, output: { path: ${JSON.stringify(join(dir, 'gen'))} }, plugins: ['@hey-api/client-fetch'], logs: { level: 'silent' } });`;
    execFileSync(process.execPath, ['--input-type=module', '-e', generate], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    writeFileSync(join(dir, 'demo.ts'), DEMO);
    writeFileSync(join(dir, 'wrong.ts'), WRONG);

    expect(compile(dir, 'demo.ts')).toEqual([]);
    expect(compile(dir, 'wrong.ts').join('\n')).toMatch(/Type 'string' is not assignable to type 'number'/);

    // Through a node that may be a follower: the API forwards to the leader.
    const out = execFileSync(process.execPath, [join(dir, 'js', 'demo.js')], {
      env: { ...process.env, DSS_URL: cluster.url('lock', 'node2') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result).toEqual({
      acquired: 200,
      token: expect.any(Number),
      refused: 409,
      code: 'LOCKED',
      read: 200,
      holders: ['gen-1'],
      listed: ['generated-client'],
      truncated: false,
      released: 200,
    });
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, getJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Bearer tokens on the client API (docs/security.md), on a real cluster started
// with DSS_API_TOKENS_FILE: no token, a wrong one, and a read-only one on a
// write are all 401 and change nothing; probes and scrapes stay open.

const RW = 'rw-token-0123456789abcdef';
const RO = 'ro-token-0123456789abcdef';
const DSSCTL = resolve(__dirname, '..', '..', 'bin', 'dssctl.js');

describe('client API tokens', () => {
  jest.setTimeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'dss-tokens-'));
  const tokensFile = join(dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ readWrite: [RW], readOnly: [RO] }), { mode: 0o600 });
  const cluster = new TestCluster(testPortOffset() + 45, { DSS_API_TOKENS_FILE: tokensFile });
  const lock = () => cluster.url('lock', 'node1');

  async function call(method: string, url: string, token?: string, body?: unknown) {
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown>,
      challenge: res.headers.get('www-authenticate'),
    };
  }
  const failures = async (reason: string) =>
    Number(
      /dss_http_auth_failures_total\{[^}]*reason="([a-z_]+)"[^}]*\} (\d+)/.exec(
        (await (await fetch(`${lock()}/metrics`)).text())
          .split('\n')
          .filter((l) => l.includes(`reason="${reason}"`))
          .join('\n'),
      )?.[2] ?? 0,
    );

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
    await eventually(
      async () =>
        (await call('GET', `${lock()}/cluster`, RO)).body.raft !== undefined &&
        ((await call('GET', `${lock()}/cluster`, RO)).body.raft as { leader: unknown }).leader !== null,
      30_000,
      200,
    );
  }, 180_000);
  afterAll(async () => {
    await cluster.dispose();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("asks the cache's Redis protocol for AUTH with a token, and holds a read-only token to reads", async () => {
    const port = cluster.cluster.nodes[0]!.ports.cache!.resp!;
    // Before AUTH every command but AUTH, HELLO, QUIT and RESET is refused.
    const raw = await new Promise<string>((done, fail) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got.split('\r\n').length > 3) s.end();
      });
      s.on('close', () => done(got));
      s.on('error', fail);
      s.write(`GET k\r\nAUTH not-the-token-0123456789\r\nAUTH someone ${RW}\r\n`);
    });
    expect(raw.split('\r\n').slice(0, 3)).toEqual([
      '-NOAUTH Authentication required.',
      '-WRONGPASS invalid username-password pair or user is disabled.',
      '-WRONGPASS invalid username-password pair or user is disabled.',
    ]);
    const client = (password: string) =>
      new Redis({ port, host: '127.0.0.1', password, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const ro = client(RO);
    const rw = client(RW);
    try {
      expect(await ro.get('tokens-k')).toBeNull();
      await expect(ro.set('tokens-k', 'v')).rejects.toThrow(
        "NOPERM this token is read-only; 'set' needs a read-write token",
      );
      expect(await ro.get('tokens-k')).toBeNull();
      expect(await rw.set('tokens-k', 'v')).toBe('OK');
      expect(await ro.get('tokens-k')).toBe('v');
      // RESET drops the authentication.
      expect(await rw.call('RESET')).toBe('RESET');
      await expect(rw.get('tokens-k')).rejects.toThrow('NOAUTH');
    } finally {
      ro.disconnect();
      rw.disconnect();
    }
  });

  it('keeps /health, /ready, /metrics and /openapi.json open for probes, Prometheus and client generators', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/openapi.json'])
      expect([path, (await fetch(`${lock()}${path}`)).status]).toEqual([path, 200]);
  });

  it.each([
    ['no token', undefined, 'missing', /requires a token/],
    ['a wrong token', 'not-the-token-0123456789', 'invalid', /not valid/],
  ])('answers 401 to %s, with a Bearer challenge', async (_name, token, reason, message) => {
    const before = await failures(reason);
    const r = await call('GET', `${lock()}/lock/res`, token);
    expect([r.status, r.body.error?.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(r.body.error?.message).toMatch(message);
    expect(r.challenge).toMatch(/^Bearer realm="dss"/);
    expect(await failures(reason)).toBe(before + 1);
  });

  it('lets a read-only token read but not write, on every role, and nothing is applied', async () => {
    expect((await call('GET', `${lock()}/lock/res`, RO)).status).toBe(200);
    const writes: [string, string, unknown][] = [
      ['POST', `${lock()}/lock/acquire`, { resource: 'res', owner: 'ro', ttlMs: 10_000 }],
      ['POST', `${cluster.url('queue', 'node2')}/queue/publish`, { topic: 'tok', message: 'm' }],
      ['PUT', `${cluster.url('cache', 'node3')}/cache/tok`, { value: 'v' }],
      ['DELETE', `${cluster.url('cache', 'node3')}/cache/tok`, undefined],
      ['DELETE', `${cluster.url('queue', 'node1')}/queue/tok/dead`, undefined],
      ['POST', `${cluster.url('queue', 'node3')}/queue/tok/dead/redrive`, { ids: ['m1'] }],
    ];
    for (const [method, url, body] of writes) {
      const r = await call(method, url, RO, body);
      expect([method, url, r.status, r.body.error?.message]).toEqual([
        method,
        url,
        401,
        expect.stringMatching(/read-only/),
      ]);
      expect(r.challenge).toContain('insufficient_scope');
    }
    expect((await call('GET', `${lock()}/lock/res`, RW)).body.holders).toEqual([]);
    expect((await call('GET', `${cluster.url('queue', 'node1')}/queue/tok`, RW)).body).toMatchObject({
      ready: 0,
      inflight: 0,
      delayed: 0,
    });
    expect((await call('GET', `${cluster.url('cache', 'node1')}/cache/tok`, RW)).status).toBe(404);
    // The queue's operator reads are reads: a read-only token may list and browse.
    expect((await call('GET', `${cluster.url('queue', 'node2')}/queue?prefix=tok`, RO)).status).toBe(200);
    expect((await call('GET', `${cluster.url('queue', 'node2')}/queue/tok/messages`, RO)).body).toEqual({
      topic: 'tok',
      state: 'ready',
      messages: [],
    });
  });

  it('lets a read-write token do everything', async () => {
    expect(
      (await call('POST', `${lock()}/lock/acquire`, RW, { resource: 'res', owner: 'rw', ttlMs: 10_000 })).status,
    ).toBe(200);
    expect(
      (await call('POST', `${cluster.url('queue', 'node2')}/queue/publish`, RW, { topic: 'tok', message: 'm' })).status,
    ).toBe(201);
    expect((await call('PUT', `${cluster.url('cache', 'node3')}/cache/tok`, RW, { value: 'v' })).status).toBe(200);
    expect((await call('DELETE', `${cluster.url('queue', 'node1')}/queue/tok/dead`, RW)).body).toEqual({
      topic: 'tok',
      purged: 0,
    });
    expect((await getJson(`${cluster.url('cache', 'node3')}/health`)).status).toBe(200);
  });

  it('dssctl passes --token, and says unauthorized (exit 7) without it', () => {
    const clusterFile = join(cluster.home, 'cluster.json');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [DSSCTL, '--cluster', clusterFile, '--json', ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      });
    const denied = run('lock', 'show', 'res');
    expect(denied.status).toBe(7);
    const allowed = run('--token', RO, 'lock', 'show', 'res');
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ resource: 'res', holders: [{ owner: 'rw' }] });
  });
});

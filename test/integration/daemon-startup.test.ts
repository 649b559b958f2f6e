import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localClusterDescription } from '@dss/config';
import { ensureClusterCerts } from '../../scripts/local-cluster/tls-certs.js';
import { eventually, getJson, testPortOffset } from '../support/local-cluster.js';

// The built daemon, started by hand: what an operator sees on bad
// configuration, and the PM2 protocol (ready message, graceful stop).

const MAIN = resolve(__dirname, '..', '..', 'dist', 'apps', 'dss-node', 'src', 'main.js');
const home = mkdtempSync(join(tmpdir(), 'dss-daemon-'));
const offset = testPortOffset() + 50;
const clusterFile = join(home, 'cluster.json');
writeFileSync(clusterFile, JSON.stringify(localClusterDescription({ offset })));
// One node alone is a whole cluster: its lock role elects itself and becomes ready.
const soloFile = join(home, 'solo.json');
const full = localClusterDescription({ offset });
writeFileSync(soloFile, JSON.stringify({ ...full, nodes: full.nodes.slice(0, 1) }));
// Peer certificates as npm start makes them; a second directory holds node2's certificate under node1's name.
const tlsDir = join(home, 'tls');
ensureClusterCerts(tlsDir, full.nodes);
const wrongTlsDir = join(home, 'wrong-tls');
mkdirSync(wrongTlsDir);
for (const [from, to] of [
  ['ca.crt', 'ca.crt'],
  ['node2.crt', 'node1.crt'],
  ['node2.key', 'node1.key'],
])
  copyFileSync(join(tlsDir, from!), join(wrongTlsDir, to!));
// The solo cluster again, with HTTPS on the client port (node1's certificate has IP:127.0.0.1).
const httpsFile = join(home, 'https.json');
writeFileSync(
  httpsFile,
  JSON.stringify({ ...full, nodes: full.nodes.slice(0, 1), security: { peerAuth: 'mtls', httpTls: true } }),
);
// The HTTPS solo cluster with the operator console on node1.
const httpsConsoleFile = join(home, 'https-console.json');
const withConsole = localClusterDescription({ offset, console: true });
writeFileSync(
  httpsConsoleFile,
  JSON.stringify({
    ...withConsole,
    nodes: withConsole.nodes.slice(0, 1),
    security: { peerAuth: 'mtls', httpTls: true },
  }),
);
const children: ChildProcess[] = [];
afterEach(() => {
  // A failed test must not leave a daemon behind: its IPC channel would keep jest alive.
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: string | null }>;
} {
  const child = fork(MAIN, [], {
    env: { ...process.env, DSS_DATA_DIR: join(home, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  return { child, output: () => output, exit };
}

const good = { DSS_NODE_ID: 'node1', DSS_ROLE: 'lock', DSS_CLUSTER_FILE: clusterFile, DSS_TLS_DIR: tlsDir };

describe('dss-node start-up', () => {
  jest.setTimeout(30_000);

  it.each([
    [
      'an unknown role',
      { DSS_ROLE: 'locks' },
      'unknown role "locks" (DSS_ROLE); this daemon knows: lock, queue, cache, and console (the operator console)',
    ],
    ['a bad number', { DSS_PEER_TIMEOUT_MS: '-1' }, 'DSS_PEER_TIMEOUT_MS: must be a whole number of milliseconds'],
    ['a missing cluster file', { DSS_CLUSTER_FILE: join(home, 'missing.json') }, 'DSS_CLUSTER_FILE: cannot read'],
    ['a node not in the cluster', { DSS_NODE_ID: 'node4' }, 'DSS_NODE_ID: "node4" is not a node of the cluster'],
    ['no peer certificates', { DSS_TLS_DIR: '' }, "DSS_TLS_DIR: is required: the cluster's security.peerAuth is mtls"],
    ["another node's certificate", { DSS_TLS_DIR: wrongTlsDir }, 'node1.crt is for "node2", not for node "node1"'],
    [
      'an HTTPS cluster without the HTTPS pair',
      { DSS_CLUSTER_FILE: httpsFile },
      'DSS_HTTP_TLS_CERT: is required: the cluster description says security.httpTls: true',
    ],
    ['a bad API tokens file', { DSS_API_TOKENS_FILE: clusterFile }, 'DSS_API_TOKENS_FILE (file): Unrecognized keys'],
    [
      'a console on a node without a console port',
      { DSS_ROLE: 'console' },
      'nodes[0].ports.console: node node1 has no console port',
    ],
  ])('stops on %s with a message naming the key and exit code 78', async (_name, patch, message) => {
    const daemon = start({ ...good, ...patch });
    expect(await daemon.exit).toEqual({ code: 78, signal: null });
    expect(daemon.output()).toContain(message);
  });

  it('tells PM2 it is ready once serving, and drains and exits on SIGTERM', async () => {
    const daemon = start({ ...good, DSS_CLUSTER_FILE: soloFile });
    await new Promise<void>((resolveReady, reject) => {
      daemon.child.on('message', (m) => m === 'ready' && resolveReady());
      void daemon.exit.then(() => reject(new Error(`exited before ready:\n${daemon.output()}`)));
    });
    const url = `http://127.0.0.1:${8001 + offset}`;
    await eventually(async () => (await getJson(`${url}/ready`)).status === 200, 10_000);
    daemon.child.kill('SIGTERM');
    const exited = await daemon.exit;
    // Nest re-raises the signal after closing, so a clean stop ends by SIGTERM.
    expect(exited.signal === 'SIGTERM' || exited.code === 0).toBe(true);
    expect(daemon.output()).toContain('SIGTERM: draining');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('serves HTTPS when the cluster says httpTls, with the node certificate', async () => {
    const daemon = start({
      ...good,
      DSS_CLUSTER_FILE: httpsFile,
      DSS_HTTP_TLS_CERT: join(tlsDir, 'node1.crt'),
      DSS_HTTP_TLS_KEY: join(tlsDir, 'node1.key'),
    });
    await new Promise<void>((resolveReady, reject) => {
      daemon.child.on('message', (m) => m === 'ready' && resolveReady());
      void daemon.exit.then(() => reject(new Error(`exited before ready:\n${daemon.output()}`)));
    });
    const port = 8001 + offset;
    const ready = () =>
      new Promise<number>((done, fail) => {
        const req = httpsGet(
          { host: '127.0.0.1', port, path: '/ready', ca: readFileSync(join(tlsDir, 'ca.crt')) },
          (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          },
        );
        req.on('error', fail);
      });
    // Ready once the lone lock node has elected itself, over HTTPS verified against the cluster CA.
    await eventually(async () => (await ready()) === 200, 10_000);
    // Plain HTTP to the HTTPS port gets no API answer.
    const plain = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
    daemon.child.kill('SIGTERM');
    await daemon.exit;
  });

  it('runs the operator console over HTTPS, reaching an HTTPS daemon through the cluster CA', async () => {
    const https = {
      DSS_CLUSTER_FILE: httpsConsoleFile,
      DSS_HTTP_TLS_CERT: join(tlsDir, 'node1.crt'),
      DSS_HTTP_TLS_KEY: join(tlsDir, 'node1.key'),
    };
    const lock = start({ ...good, ...https });
    const consoleProcess = start({ ...good, ...https, DSS_ROLE: 'console' });
    for (const d of [lock, consoleProcess])
      await new Promise<void>((resolveReady, reject) => {
        d.child.on('message', (m) => m === 'ready' && resolveReady());
        void d.exit.then(() => reject(new Error(`exited before ready:\n${d.output()}`)));
      });
    const ca = readFileSync(join(tlsDir, 'ca.crt'));
    const get = (path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((done, fail) => {
        const req = httpsGet({ host: '127.0.0.1', port: 8031 + offset, path, ca }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', fail);
      });
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>DSS console</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // Through the console to the lock daemon's HTTPS API, once the lone node has elected itself.
    await eventually(async () => {
      const answer = await get('/api/d/lock/node1/cluster');
      return answer.status === 200 && JSON.parse(answer.body).raft.state === 'leader';
    }, 10_000);
    expect((await get('/api/d/lock/node1/metrics')).status).toBe(404);
    for (const d of [consoleProcess, lock]) {
      d.child.kill('SIGTERM');
      await d.exit;
    }
  });
});

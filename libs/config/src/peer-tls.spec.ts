import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterCerts } from '../../../scripts/local-cluster/tls-certs.js';
import { ConfigError } from './config-error.js';
import { loadNodeConfig } from './load-config.js';
import { localClusterDescription } from './local-cluster.js';
import { loadPeerTls } from './peer-tls.js';

// Start-up checks of the peer certificates, on files made the way npm start
// makes them (openssl): every wrong file is a clear error naming DSS_TLS_DIR.

const dir = mkdtempSync(join(tmpdir(), 'dss-tls-spec-'));
const good = join(dir, 'good');
const foreign = join(dir, 'foreign');
const read = (path: string) => readFileSync(path, 'utf8');
beforeAll(() => {
  ensureClusterCerts(good, [
    { id: 'node1', host: '127.0.0.1' },
    { id: 'node2', host: '127.0.0.1' },
  ]);
  ensureClusterCerts(foreign, [{ id: 'node1', host: '127.0.0.1' }], 'other');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS dir assembled from `files` (target name -> source path). */
function assemble(name: string, files: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [to, from] of Object.entries(files)) copyFileSync(from, join(d, to));
  return d;
}

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`).join('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('loadPeerTls', () => {
  it('loads a CA, a certificate for this node and its key', () => {
    const m = loadPeerTls(good, 'node1', read);
    expect(m.cert).toContain('BEGIN CERTIFICATE');
    expect(m.key).toContain('PRIVATE KEY');
  });

  it.each([
    [
      'a missing key',
      () => assemble('nokey', { 'ca.crt': join(good, 'ca.crt'), 'node1.crt': join(good, 'node1.crt') }),
      /cannot read .*node1\.key/,
    ],
    [
      "another node's certificate",
      () =>
        assemble('swapped', {
          'ca.crt': join(good, 'ca.crt'),
          'node1.crt': join(good, 'node2.crt'),
          'node1.key': join(good, 'node2.key'),
        }),
      /is for "node2", not for node "node1"/,
    ],
    [
      'a certificate from another CA',
      () =>
        assemble('foreign', {
          'ca.crt': join(good, 'ca.crt'),
          'node1.crt': join(foreign, 'node1.crt'),
          'node1.key': join(foreign, 'node1.key'),
        }),
      /was not issued by the CA/,
    ],
    [
      'a key of another certificate',
      () =>
        assemble('wrongkey', {
          'ca.crt': join(good, 'ca.crt'),
          'node1.crt': join(good, 'node1.crt'),
          'node1.key': join(good, 'node2.key'),
        }),
      /does not belong to/,
    ],
    [
      'a node certificate in place of the CA',
      () =>
        assemble('notca', {
          'ca.crt': join(good, 'node2.crt'),
          'node1.crt': join(good, 'node1.crt'),
          'node1.key': join(good, 'node1.key'),
        }),
      /is not a CA certificate/,
    ],
    [
      'garbage',
      () => {
        const d = assemble('garbage', { 'ca.crt': join(good, 'ca.crt'), 'node1.key': join(good, 'node1.key') });
        writeFileSync(join(d, 'node1.crt'), 'hello');
        return d;
      },
      /is not a PEM certificate/,
    ],
  ])('refuses %s', (_name, make, message) => {
    expect(problem(() => loadPeerTls(make(), 'node1', read))).toMatch(message);
  });

  it('refuses an expired certificate', () => {
    expect(problem(() => loadPeerTls(good, 'node1', read, new Date(Date.now() + 10 * 365 * 86_400_000)))).toMatch(
      /is valid only from/,
    );
  });
});

describe('loadNodeConfig with peer authentication', () => {
  const files: Record<string, string> = {};
  const readAll = (path: string) => files[path] ?? read(path);
  const env = { DSS_NODE_ID: 'node1', DSS_ROLE: 'lock', DSS_CLUSTER_FILE: '/c.json' };

  it('needs DSS_TLS_DIR when the cluster is mtls, also by default', () => {
    const { security: _omitted, ...noBlock } = localClusterDescription();
    files['/c.json'] = JSON.stringify(noBlock);
    expect(problem(() => loadNodeConfig(env, readAll))).toMatch(/DSS_TLS_DIR: is required/);
    expect(loadNodeConfig({ ...env, DSS_TLS_DIR: good }, readAll).peerTls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it('runs without certificates only when the cluster says peerAuth none', () => {
    files['/c.json'] = JSON.stringify({ ...localClusterDescription(), security: { peerAuth: 'none' } });
    expect(loadNodeConfig(env, readAll).peerTls).toBeUndefined();
  });
});

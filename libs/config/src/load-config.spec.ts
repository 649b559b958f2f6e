import { ConfigError } from './config-error.js';
import { loadNodeConfig, loadProcessSettings, parseClusterDescription, type Env } from './load-config.js';
import { localClusterDescription } from './local-cluster.js';

// Peer certificates are covered in peer-tls.spec.ts; here the cluster runs without them.
const cluster = { ...localClusterDescription(), security: { peerAuth: 'none' as const } };
const files: Record<string, string> = { '/c.json': JSON.stringify(cluster) };
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};
const baseEnv: Env = { DSS_NODE_ID: 'node2', DSS_ROLE: 'lock', DSS_CLUSTER_FILE: '/c.json' };

/** Runs `fn`, expects a ConfigError and returns its "key: problem" lines. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`);
  }
  throw new Error('expected a ConfigError');
}

describe('loadNodeConfig', () => {
  it('resolves this node, its ports and its peers of the same role', () => {
    const config = loadNodeConfig(baseEnv, read);
    expect(config.self).toEqual({ id: 'node2', host: '127.0.0.1', httpPort: 8002, peerPort: 9002 });
    expect(config.peers.map((p) => [p.id, p.peerPort])).toEqual([
      ['node1', 9001],
      ['node3', 9003],
    ]);
    expect(config.settings.bindHost).toBe('127.0.0.1');
    expect(config.settings.peerTimeoutMs).toBe(1000);
    expect(config.settings.dataDir).toMatch(/\.dss\/data\/node2-lock$/);
  });

  it('lets the environment override the settings file', () => {
    files['/s.json'] = JSON.stringify({ nodeId: 'node1', role: 'queue', clusterFile: '/c.json', peerTimeoutMs: 250 });
    const config = loadNodeConfig({ DSS_CONFIG_FILE: '/s.json', DSS_ROLE: 'cache' }, read);
    expect([config.self.id, config.settings.role, config.settings.peerTimeoutMs, config.self.httpPort]).toEqual([
      'node1',
      'cache',
      250,
      8021,
    ]);
  });

  it.each([
    ['a missing required key', { DSS_NODE_ID: undefined }, /^DSS_NODE_ID: is required/],
    ['a malformed node id', { DSS_NODE_ID: 'Node 1' }, /^DSS_NODE_ID: must match/],
    ['a non-numeric duration', { DSS_PEER_TIMEOUT_MS: 'fast' }, /^DSS_PEER_TIMEOUT_MS: must be a whole number/],
    ['an out-of-range duration', { DSS_SHUTDOWN_TIMEOUT_MS: '5' }, /^DSS_SHUTDOWN_TIMEOUT_MS: .*100/],
    ['an unknown enum value', { DSS_LOG_LEVEL: 'chatty' }, /^DSS_LOG_LEVEL: /],
    ['a bad bind address', { DSS_BIND_HOST: 'a b' }, /^DSS_BIND_HOST: must be a host name or IP address/],
    ['an unreadable cluster file', { DSS_CLUSTER_FILE: '/nope.json' }, /^DSS_CLUSTER_FILE: cannot read \/nope.json/],
    [
      'a node missing from the cluster',
      { DSS_NODE_ID: 'node9' },
      /^DSS_NODE_ID: "node9" is not a node of the cluster \(nodes: node1, node2, node3\)/,
    ],
    [
      'a role this node has no ports for',
      { DSS_ROLE: 'search' },
      /^nodes\[1\]\.ports\.search: node node2 has no ports/,
    ],
  ])('rejects %s, naming the key', (_name, patch, expected) => {
    const lines = problems(() => loadNodeConfig({ ...baseEnv, ...patch }, read));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('names the file key when the bad value came from the settings file', () => {
    files['/bad.json'] = JSON.stringify({
      ...{ nodeId: 'node1', role: 'lock', clusterFile: '/c.json' },
      peerTimeoutMs: -3,
    });
    expect(problems(() => loadProcessSettings({ DSS_CONFIG_FILE: '/bad.json' }, read))).toEqual([
      expect.stringMatching(/^peerTimeoutMs \(in \/bad.json\): /),
    ]);
  });

  it('rejects unknown keys in the settings file instead of ignoring typos', () => {
    files['/typo.json'] = JSON.stringify({ nodeId: 'node1', role: 'lock', clusterFile: '/c.json', peerTimeotMs: 5 });
    expect(problems(() => loadProcessSettings({ DSS_CONFIG_FILE: '/typo.json' }, read)).join()).toMatch(/peerTimeotMs/);
  });

  it('rejects a cluster file that is not JSON', () => {
    files['/broken.json'] = '{"nodes": [';
    expect(problems(() => loadNodeConfig({ ...baseEnv, DSS_CLUSTER_FILE: '/broken.json' }, read))[0]).toMatch(
      /is not valid JSON/,
    );
  });
});

// Raw JSON on purpose: the mutators write wrong types that the schema must catch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type RawJson = any;

describe('parseClusterDescription', () => {
  const valid = () => JSON.parse(JSON.stringify(cluster));

  it('accepts the local description', () => {
    expect(parseClusterDescription(valid(), 'x').nodes).toHaveLength(3);
  });

  it.each([
    ['a port out of range', (c: RawJson) => (c.nodes[0].ports.lock.http = 70000), /^nodes\[0\]\.ports\.lock\.http: /],
    [
      'a port that is not a number',
      (c: RawJson) => (c.nodes[2].ports.cache.peer = '9023'),
      /^nodes\[2\]\.ports\.cache\.peer: /,
    ],
    ['a duplicate node id', (c: RawJson) => (c.nodes[1].id = 'node1'), /^nodes\[1\]\.id: duplicate node id "node1"/],
    [
      'two roles on one endpoint',
      (c: RawJson) => (c.nodes[0].ports.queue.http = 8001),
      /^nodes\[0\]\.ports\.queue\.http: 127.0.0.1:8001 is already used by nodes\[0\]\.ports\.lock\.http/,
    ],
    ['no nodes', (c: RawJson) => (c.nodes = []), /^nodes: /],
    ['an unknown key', (c: RawJson) => (c.nodez = []), /nodez/],
    ['an unknown redis mode', (c: RawJson) => (c.redis = { mode: 'cluster' }), /^redis\.mode: /],
    [
      'a bad host',
      (c: RawJson) => (c.nodes[0].host = 'http://x'),
      /^nodes\[0\]\.host: must be a host name or IP address/,
    ],
  ])('rejects %s, naming the path', (_name, mutate, expected) => {
    const c = valid();
    mutate(c);
    expect(problems(() => parseClusterDescription(c, 'cluster.json'))).toEqual(
      expect.arrayContaining([expect.stringMatching(expected)]),
    );
  });
});

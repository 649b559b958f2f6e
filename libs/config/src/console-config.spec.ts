import { ConfigError } from './config-error.js';
import { clusterDaemons, loadConsoleConfig } from './console-config.js';
import { parseClusterDescription, type Env } from './load-config.js';
import { localClusterDescription } from './local-cluster.js';

const withConsole = localClusterDescription({ console: true });
const files: Record<string, string> = {
  '/c.json': JSON.stringify(withConsole),
  '/plain.json': JSON.stringify(localClusterDescription()),
  '/tokens.json': JSON.stringify({ readWrite: ['rw-token-0123456789'] }),
};
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error('ENOENT: no such file');
  return text;
};
const env: Env = { DSS_NODE_ID: 'node2', DSS_ROLE: 'console', DSS_CLUSTER_FILE: '/c.json' };

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`);
  }
  throw new Error('expected a ConfigError');
}

describe('the console’s configuration', () => {
  it('puts the console on 8031-8033 locally, beside the nine daemons and without a peer port', () => {
    expect(withConsole.nodes.map((n) => n.ports.console)).toEqual([{ http: 8031 }, { http: 8032 }, { http: 8033 }]);
    expect(localClusterDescription({ console: true, offset: 100 }).nodes[0]!.ports.console).toEqual({ http: 8131 });
    expect(localClusterDescription().nodes[0]!.ports.console).toBeUndefined();
  });

  it('resolves its own port and every role daemon of the cluster, itself excluded', () => {
    const config = loadConsoleConfig({ ...env, DSS_API_TOKENS_FILE: '/tokens.json' }, read);
    expect(config.self).toEqual({ id: 'node2', host: '127.0.0.1', httpPort: 8032 });
    expect(config.daemons).toHaveLength(9);
    expect(config.daemons.filter((d) => d.role === 'lock').map((d) => d.url)).toEqual([
      'http://127.0.0.1:8001',
      'http://127.0.0.1:8002',
      'http://127.0.0.1:8003',
    ]);
    expect(config.apiTokens?.readWrite).toEqual(['rw-token-0123456789']);
    expect(config.ca).toBeUndefined();
  });

  it('uses https for the daemons when the description says so', () => {
    const https = { ...withConsole, security: { peerAuth: 'mtls' as const, httpTls: true } };
    expect(clusterDaemons(https).every((d) => d.url.startsWith('https://'))).toBe(true);
  });

  it('names the key when the node has no console port', () => {
    expect(problems(() => loadConsoleConfig({ ...env, DSS_CLUSTER_FILE: '/plain.json' }, read))).toEqual([
      'nodes[1].ports.console: node node2 has no console port',
    ]);
  });

  it('refuses a role other than the console without a peer port', () => {
    const broken = structuredClone(withConsole);
    delete (broken.nodes[0]!.ports.lock as { peer?: number }).peer;
    expect(problems(() => parseClusterDescription(broken, '/c.json'))).toEqual([
      'nodes[0].ports.lock.peer: is required',
    ]);
  });

  it('takes a Grafana address only as an http(s) URL', () => {
    const ok = parseClusterDescription({ ...withConsole, monitoring: { grafanaUrl: 'http://10.0.0.4:3000' } }, 'x');
    expect(ok.monitoring?.grafanaUrl).toBe('http://10.0.0.4:3000');
    expect(
      problems(() =>
        parseClusterDescription({ ...withConsole, monitoring: { grafanaUrl: 'javascript:alert(1)' } }, 'x'),
      ),
    ).toHaveLength(1);
  });
});

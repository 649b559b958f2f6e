import { join } from 'node:path';
import { localClusterDescription } from '@dss/config/pure';
import {
  defaultConfigPath,
  resolveConnection,
  type ConnectionFlags,
  type Env,
  type FileAccess,
} from './endpoints-config.js';
import { UsageError } from './errors.js';

const HOME = '/home/op';
const DEFAULT_CONFIG = join(HOME, '.config', 'dssctl', 'config.json');

function files(content: Record<string, unknown>): FileAccess & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    exists: (p) => p in content,
    read: (p) => {
      reads.push(p);
      if (!(p in content))
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      const v = content[p];
      return typeof v === 'string' ? v : JSON.stringify(v);
    },
  };
}

const cluster = (host: string) => ({
  name: 'vms',
  nodes: ['a', 'b'].map((id, i) => ({
    id: `node${id}`,
    host: `${host}${i + 1}`,
    ports: { lock: { http: 8001, peer: 9001 }, queue: { http: 8011, peer: 9011 }, cache: { http: 8021, peer: 9021 } },
  })),
});

const resolve = (flags: ConnectionFlags, env: Env = {}, fs = files({})) => resolveConnection(flags, env, fs, HOME);

describe("resolveConnection: where each role's endpoints come from", () => {
  it('falls back to the local cluster of npm start when nothing is configured', () => {
    const c = resolve({});
    expect(c.endpoints).toEqual({
      lock: ['http://127.0.0.1:8001', 'http://127.0.0.1:8002', 'http://127.0.0.1:8003'],
      queue: ['http://127.0.0.1:8011', 'http://127.0.0.1:8012', 'http://127.0.0.1:8013'],
      cache: ['http://127.0.0.1:8021', 'http://127.0.0.1:8022', 'http://127.0.0.1:8023'],
    });
    expect(c.sources).toEqual({ lock: 'local cluster', queue: 'local cluster', cache: 'local cluster' });
    expect(c.timeoutMs).toBeUndefined();
    expect(c.token).toBeUndefined();
  });

  it('shifts the local cluster by DSS_PORT_OFFSET, like npm start', () => {
    const c = resolve({}, { DSS_PORT_OFFSET: '100' });
    expect(c.endpoints.lock[0]).toBe('http://127.0.0.1:8101');
    expect(c.endpoints.cache[2]).toBe('http://127.0.0.1:8123');
    expect(() => resolve({}, { DSS_PORT_OFFSET: 'ten' })).toThrow(/DSS_PORT_OFFSET/);
  });

  it('takes the config file over the local cluster, and the default path only when it exists', () => {
    const fs = files({
      [DEFAULT_CONFIG]: { lock: ['http://cfg:1'], queue: ['cfg:2'], timeoutMs: 1500, token: 'from-file' },
    });
    const c = resolve({}, {}, fs);
    expect(c.endpoints.lock).toEqual(['http://cfg:1']);
    expect(c.endpoints.queue).toEqual(['http://cfg:2']);
    expect(c.endpoints.cache).toEqual(
      localClusterDescription().nodes.map((n) => `http://${n.host}:${n.ports.cache!.http}`),
    );
    expect(c.sources).toEqual({
      lock: `config ${DEFAULT_CONFIG}`,
      queue: `config ${DEFAULT_CONFIG}`,
      cache: 'local cluster',
    });
    expect(c).toMatchObject({ timeoutMs: 1500, token: 'from-file', configFile: DEFAULT_CONFIG });
    // No file at the default path: not an error, just the local cluster.
    expect(resolve({}, {}, files({})).configFile).toBeUndefined();
  });

  it('honours XDG_CONFIG_HOME for the default config path', () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: '/xdg' }, HOME)).toBe('/xdg/dssctl/config.json');
    expect(defaultConfigPath({}, HOME)).toBe(DEFAULT_CONFIG);
  });

  it('takes env over the config file: a role variable first, then DSSCTL_CLUSTER', () => {
    const fs = files({
      [DEFAULT_CONFIG]: { lock: ['http://cfg:1'], queue: ['http://cfg:2'], cache: ['http://cfg:3'] },
      '/etc/dss/cluster.json': cluster('vm'),
    });
    const c = resolve(
      {},
      { DSSCTL_LOCK: 'http://envlock:8001, http://envlock2:8001', DSSCTL_CLUSTER: '/etc/dss/cluster.json' },
      fs,
    );
    expect(c.endpoints.lock).toEqual(['http://envlock:8001', 'http://envlock2:8001']);
    expect(c.endpoints.queue).toEqual(['http://vm1:8011', 'http://vm2:8011']);
    expect(c.endpoints.cache).toEqual(['http://vm1:8021', 'http://vm2:8021']);
    expect(c.sources).toEqual({
      lock: 'DSSCTL_LOCK',
      queue: 'DSSCTL_CLUSTER /etc/dss/cluster.json',
      cache: 'DSSCTL_CLUSTER /etc/dss/cluster.json',
    });
  });

  it('takes flags over env: a role flag first, then --cluster', () => {
    const fs = files({ '/a.json': cluster('flag'), '/b.json': cluster('env') });
    const env = {
      DSSCTL_LOCK: 'http://envlock:1',
      DSSCTL_QUEUE: 'http://envqueue:1',
      DSSCTL_CLUSTER: '/b.json',
      DSSCTL_TIMEOUT: '900',
      DSSCTL_TOKEN: 'env-token',
    };
    const c = resolve(
      { cache: 'http://flagcache:8021', cluster: '/a.json', timeout: 2500, token: 'flag-token' },
      env,
      fs,
    );
    expect(c.endpoints.cache).toEqual(['http://flagcache:8021']);
    expect(c.endpoints.lock).toEqual(['http://flag1:8001', 'http://flag2:8001']);
    expect(c.endpoints.queue).toEqual(['http://flag1:8011', 'http://flag2:8011']);
    expect(c.sources).toEqual({ lock: '--cluster /a.json', queue: '--cluster /a.json', cache: '--cache' });
    expect(c).toMatchObject({ timeoutMs: 2500, token: 'flag-token' });
    // Without the flags, the env values apply.
    expect(resolve({}, env, fs)).toMatchObject({
      timeoutMs: 900,
      token: 'env-token',
      sources: { lock: 'DSSCTL_LOCK', queue: 'DSSCTL_QUEUE', cache: 'DSSCTL_CLUSTER /b.json' },
    });
  });

  it('reads the config file named by --config over DSSCTL_CONFIG over the default path', () => {
    const fs = files({
      '/flag.json': { lock: ['http://f:1'] },
      '/env.json': { lock: ['http://e:1'] },
      [DEFAULT_CONFIG]: { lock: ['http://d:1'] },
    });
    expect(resolve({ config: '/flag.json' }, { DSSCTL_CONFIG: '/env.json' }, fs).endpoints.lock).toEqual([
      'http://f:1',
    ]);
    expect(resolve({}, { DSSCTL_CONFIG: '/env.json' }, fs).endpoints.lock).toEqual(['http://e:1']);
    expect(resolve({}, {}, fs).endpoints.lock).toEqual(['http://d:1']);
  });

  it('ignores empty environment variables', () => {
    const c = resolve({}, { DSSCTL_LOCK: '', DSSCTL_CLUSTER: '', DSSCTL_TOKEN: '' });
    expect(c.sources.lock).toBe('local cluster');
    expect(c.token).toBeUndefined();
  });

  it('does not read a cluster file that no role needs', () => {
    const fs = files({});
    const c = resolve(
      { lock: 'http://a:1', queue: 'http://b:1', cache: 'http://c:1' },
      { DSSCTL_CLUSTER: '/missing.json' },
      fs,
    );
    expect(c.sources).toEqual({ lock: '--lock', queue: '--queue', cache: '--cache' });
    expect(fs.reads).toEqual([]);
  });

  describe('bad configuration is a usage error that names its source', () => {
    const fails = (f: () => unknown, message: RegExp) => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(message);
    };

    it('a flag URL that is not one', () => {
      fails(() => resolve({ lock: 'http://ok:1,ftp://x:2' }), /^--lock: "ftp:\/\/x:2" must be an http/);
      fails(() => resolve({ queue: 'http://host:1/path' }), /^--queue: .* without a path/);
      fails(() => resolve({ cache: ' , ' }), /^--cache: give at least one URL/);
      fails(() => resolve({}, { DSSCTL_LOCK: 'http://[bad' }), /^DSSCTL_LOCK: "http:\/\/\[bad" is not a URL/);
    });

    it('a missing or invalid cluster file', () => {
      fails(() => resolve({ cluster: '/nope.json' }), /^--cluster: cannot read \/nope.json: ENOENT/);
      fails(
        () => resolve({ cluster: '/x.json' }, {}, files({ '/x.json': '{not json' })),
        /^--cluster: \/x.json is not valid JSON/,
      );
      fails(
        () =>
          resolve(
            {},
            { DSSCTL_CLUSTER: '/x.json' },
            files({ '/x.json': { nodes: [{ id: 'Bad Id', host: 'h', ports: {} }] } }),
          ),
        /^DSSCTL_CLUSTER: invalid configuration in \/x.json:\n {2}- nodes\[0\]\.id: must match/,
      );
    });

    it('a config file with unknown keys, wrong types or bad URLs', () => {
      fails(
        () => resolve({ config: '/c.json' }, {}, files({ '/c.json': { locks: ['http://a:1'] } })),
        /^config file \/c.json: .*locks/,
      );
      fails(
        () => resolve({ config: '/c.json' }, {}, files({ '/c.json': { timeoutMs: 'soon' } })),
        /^config file \/c.json: timeoutMs:/,
      );
      fails(
        () => resolve({ config: '/c.json' }, {}, files({ '/c.json': { lock: ['mailto:x'] } })),
        /^config file \/c.json: lock\[0\]: "mailto:x" is not a URL/,
      );
      fails(() => resolve({ config: '/gone.json' }), /^--config: cannot read \/gone.json/);
    });

    it('a bad DSSCTL_TIMEOUT', () => {
      fails(() => resolve({}, { DSSCTL_TIMEOUT: '-5' }), /^DSSCTL_TIMEOUT: "-5" must be a whole number/);
    });
  });
});

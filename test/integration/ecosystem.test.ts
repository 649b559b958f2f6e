import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localClusterDescription } from '@dss/config';

// ecosystem.config.js is loaded by PM2 with require(); load it the same way in
// a child process and check the app list it builds.

const REPO_ROOT = resolve(__dirname, '..', '..');

interface App {
  name: string;
  node_args?: string[];
  env: Record<string, string>;
  wait_ready: boolean;
  kill_timeout: number;
  script: string;
  pmx: boolean;
}

function appsFor(env: Record<string, string>): App[] {
  const out = execFileSync(
    process.execPath,
    ['-e', "process.stdout.write(JSON.stringify(require('./ecosystem.config.js').apps))"],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as App[];
}

describe('ecosystem.config.js', () => {
  const home = mkdtempSync(join(tmpdir(), 'dss-eco-'));
  const clusterFile = join(home, 'cluster.json');
  writeFileSync(clusterFile, JSON.stringify(localClusterDescription()));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs every role of every node locally, named dss-<role>-<node>', () => {
    const apps = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile });
    expect(apps.map((a) => a.name)).toEqual([
      'dss-lock-node1',
      'dss-queue-node1',
      'dss-cache-node1',
      'dss-lock-node2',
      'dss-queue-node2',
      'dss-cache-node2',
      'dss-lock-node3',
      'dss-queue-node3',
      'dss-cache-node3',
    ]);
    expect(apps[4]!.env).toMatchObject({
      DSS_NODE_ID: 'node2',
      DSS_ROLE: 'queue',
      DSS_CLUSTER_FILE: clusterFile,
      DSS_DATA_DIR: join(home, 'data', 'node2-queue'),
    });
  });

  it("runs one node's three roles on a VM, named dss-<role> so that `pm2 stop dss-lock` works", () => {
    const apps = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile, DSS_NODES: 'node3' });
    expect(apps.map((a) => [a.name, a.env.DSS_NODE_ID])).toEqual([
      ['dss-lock', 'node3'],
      ['dss-queue', 'node3'],
      ['dss-cache', 'node3'],
    ]);
  });

  it("waits for the ready signal and gives a stop more time than the daemon's own shutdown budget", () => {
    const [app] = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile, DSS_SHUTDOWN_TIMEOUT_MS: '4000' });
    expect(app!.wait_ready).toBe(true);
    expect(app!.env.DSS_SHUTDOWN_TIMEOUT_MS).toBe('4000');
    expect(app!.kill_timeout).toBeGreaterThan(4000);
    expect(app!.script).toBe(join(REPO_ROOT, 'dist/apps/dss-node/src/main.js'));
  });

  it('keeps PM2 from loading @pm2/io into the daemons (they have their own /metrics)', () => {
    const apps = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile });
    expect(apps.map((a) => a.pmx)).toEqual(apps.map(() => false));
  });

  it('refuses a host filter naming nodes the description does not have', () => {
    expect(() => appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile, DSS_NODES: 'node7' })).toThrow(
      /DSS_NODES=node7 names nodes that are not in/,
    );
  });

  it("gives the cache daemons a larger young generation and leaves the other roles at V8's default", () => {
    const apps = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile });
    expect(apps.map((a) => [a.name, a.node_args])).toEqual(
      apps.map((a) => [a.name, a.env.DSS_ROLE === 'cache' ? ['--max-semi-space-size=64'] : undefined]),
    );
    expect(apps.filter((a) => a.node_args)).toHaveLength(3);
  });

  it('profiles every daemon into its own folder when DSS_CPU_PROF_DIR is set, after its role options', () => {
    const apps = appsFor({ DSS_HOME: home, DSS_CLUSTER_FILE: clusterFile, DSS_CPU_PROF_DIR: join(home, 'prof') });
    for (const a of apps)
      expect(a.node_args).toEqual([
        ...(a.env.DSS_ROLE === 'cache' ? ['--max-semi-space-size=64'] : []),
        '--cpu-prof',
        `--cpu-prof-dir=${join(home, 'prof', a.name)}`,
      ]);
  });
});

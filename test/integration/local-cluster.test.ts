import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, getJson, pm2, TestCluster, testPortOffset } from '../support/local-cluster.js';
import { redisConfig, redisInfo } from '../support/redis-server.js';
import { processAlive } from '../../scripts/local-cluster/process-alive.js';

/** What this test reads of `pm2 jlist`. */
interface Pm2App {
  name: string;
  pm2_env: { status: string; axm_monitor?: Record<string, unknown> };
}

interface ClusterView {
  role: string;
  node: { id: string };
  peers: { id: string; reachable: boolean }[];
}

const ROLES = ['lock', 'queue', 'cache'];
const NODES = ['node1', 'node2', 'node3'];
const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
/** docs/redis-failover.md: every server of a raft deployment runs with these. */
const RAFT_SETTINGS = {
  'min-replicas-to-write': '1',
  'min-replicas-max-lag': '2',
  'repl-diskless-sync': 'yes',
  'repl-diskless-sync-delay': '0',
  appendonly: 'yes',
  appendfsync: 'everysec',
  'replica-announce-ip': '127.0.0.1',
};

/** Processes whose command line contains `text` (the PM2 daemon names its home; Redis its port). */
function processesMatching(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !/^\s*\d+ Z/.test(line));
}

/** Running, that is: exists and is not a zombie waiting for its parent to reap it. */

describe('local cluster started the way npm start does', () => {
  // npm start's Redis: three servers, the lock leader choosing the primary.
  const cluster = new TestCluster(testPortOffset(), {}, { redis: 'raft' });
  const redisProcess = (port: number) => `redis-server 127.0.0.1:${port}`;
  jest.setTimeout(120_000);

  afterAll(async () => {
    await cluster.dispose();
  });

  it('replaces the single dss-redis of an older version with three Redis servers and nine daemons that answer /health and see their peers', async () => {
    // What an older `npm start` left running: its own PM2 with one dss-redis on node1's port, data in DSS_HOME/redis.
    const oldDir = join(cluster.home, 'redis');
    mkdirSync(oldDir, { recursive: true });
    const first = cluster.redisNodes[0]!.port;
    pm2(
      cluster,
      'start',
      REDIS_SERVER,
      '--name',
      'dss-redis',
      '--interpreter',
      'none',
      '--',
      '--port',
      String(first),
      '--bind',
      '127.0.0.1',
      '--dir',
      oldDir,
      '--appendonly',
      'yes',
      '--save',
      '',
    );
    await eventually(async () => existsSync(join(oldDir, 'appendonlydir')), 10_000);

    const started = await cluster.start();
    expect(started.output).toContain('restarting it');
    expect(started.output).toContain(
      `DSS local cluster is up: 9 daemons and 3 Redis servers (127.0.0.1:${first}, ${first + 1}, ${first + 2})`,
    );
    expect(started.output).toMatch(/Redis: primary node1 with both replicas \(node2, node3\) linked, epoch 0/);
    expect(started.output).toContain(
      `Note: ${join(oldDir, 'appendonlydir')} is the data of the single Redis an older DSS ran`,
    );
    expect(started.code).toBe(0);
    const apps = (JSON.parse(pm2(cluster, 'jlist')) as Pm2App[]).map((p) => [p.name, p.pm2_env.status]);
    expect(apps.filter(([name]) => name!.startsWith('dss-redis'))).toEqual(
      NODES.map((n) => [`dss-redis-${n}`, 'online']),
    );
    expect(processesMatching(redisProcess(first))).toHaveLength(1);
    for (const role of ROLES) {
      for (const node of NODES) {
        const health = await getJson(`${cluster.url(role, node)}/health`);
        expect(health).toMatchObject({ status: 200, body: { status: 'ok', node, role } });
        const view = await getJson<ClusterView>(`${cluster.url(role, node)}/cluster`);
        expect(view.body.peers.map((p) => [p.id, p.reachable])).toEqual(
          NODES.filter((n) => n !== node).map((n) => [n, true]),
        );
      }
    }
    // No @pm2/io in the daemons (ecosystem.config.js): it would report its HTTP and heap
    // metrics to PM2 within a second of starting, and they would show here.
    await sleep(1500);
    const monitored = (JSON.parse(pm2(cluster, 'jlist')) as Pm2App[])
      .filter((p) => !p.name.startsWith('dss-redis'))
      .map((p) => [p.name, Object.keys(p.pm2_env.axm_monitor ?? {})]);
    expect(monitored).toHaveLength(NODES.length * ROLES.length);
    for (const [, metrics] of monitored) expect(metrics).toEqual([]);
  });

  it('runs every Redis server with the settings of docs/redis-failover.md, in its own dir', async () => {
    for (const node of cluster.redisNodes) {
      expect(await redisConfig(node.port, Object.keys(RAFT_SETTINGS))).toEqual(RAFT_SETTINGS);
      expect((await redisConfig(node.port, ['dir'])).dir).toBe(join(cluster.home, 'redis', node.id));
    }
    // The lock leader attached node2 and node3 to node1, the primary of epoch 0.
    expect(await redisInfo(cluster.redisNodes[0]!.port, 'replication')).toMatchObject({
      role: 'master',
      connected_slaves: '2',
    });
  });

  it('answers every error as the DSS envelope', async () => {
    const notFound = await getJson(`${cluster.url('lock', 'node1')}/no-such-route`);
    expect(notFound).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });
    const res = await fetch(`${cluster.url('lock', 'node1')}/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/JSON/) } });
  });

  it('serves Prometheus metrics labelled with node and role', async () => {
    const text = await (await fetch(`${cluster.url('queue', 'node2')}/metrics`)).text();
    expect(text).toMatch(/process_cpu_seconds_total\{node="node2",role="queue"\}/);
    expect(text).toMatch(/dss_peer_reachable\{peer="node1",node="node2",role="queue"\} 1/);
  });

  it('sees a SIGKILLed daemon unreachable from its peers within 3 s, and back after PM2 restarts it', async () => {
    const victim = await getJson<{ pid: number }>(`${cluster.url('cache', 'node3')}/health`);
    process.kill(victim.body.pid, 'SIGKILL');
    const peerSeesItDown = (node: string) => async () => {
      const view = await getJson<ClusterView>(`${cluster.url('cache', node)}/cluster`);
      return view.body.peers.find((p) => p.id === 'node3')?.reachable === false;
    };
    // Both survivors must notice; polled together from the moment of the kill.
    const [t1, t2] = await Promise.all([
      eventually(peerSeesItDown('node1'), 3000, 20),
      eventually(peerSeesItDown('node2'), 3000, 20),
    ]);
    expect(Math.max(t1, t2)).toBeLessThanOrEqual(3000);

    await eventually(async () => (await getJson(`${cluster.url('cache', 'node3')}/ready`)).status === 200, 30_000, 200);
    const after = await getJson<{ pid: number }>(`${cluster.url('cache', 'node3')}/health`);
    expect(after.body.pid).not.toBe(victim.body.pid);
    const view = await getJson<ClusterView>(`${cluster.url('cache', 'node1')}/cluster`);
    expect(view.body.peers.find((p) => p.id === 'node3')?.reachable).toBe(true);
  });

  it('stops everything and leaves no process behind, then starts again', async () => {
    const pids = await Promise.all(
      ROLES.flatMap((role) =>
        NODES.map(async (node) => (await getJson<{ pid: number }>(`${cluster.url(role, node)}/health`)).body.pid),
      ),
    );
    for (const node of cluster.redisNodes) {
      expect(processesMatching(redisProcess(node.port))).toHaveLength(1);
      pids.push(Number((await redisInfo(node.port)).process_id));
    }
    pids.push(Number(readFileSync(join(cluster.home, 'pm2', 'pm2.pid'), 'utf8')));
    const stopped = await cluster.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.output).toMatch(/stopped 12 processes and the PM2 daemon/);
    expect(pids.filter(processAlive)).toEqual([]);
    expect(processesMatching(cluster.home)).toEqual([]);
    for (const node of cluster.redisNodes) expect(processesMatching(redisProcess(node.port))).toEqual([]);
    await expect(fetch(`${cluster.url('lock', 'node1')}/health`)).rejects.toThrow();

    const again = await cluster.start();
    expect(again.code).toBe(0);
    expect((await getJson(`${cluster.url('lock', 'node3')}/health`)).status).toBe(200);
  });
});

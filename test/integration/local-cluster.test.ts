import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, getJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

interface ClusterView {
  role: string;
  node: { id: string };
  peers: { id: string; reachable: boolean }[];
}

const ROLES = ['lock', 'queue', 'cache'];
const NODES = ['node1', 'node2', 'node3'];

/** Processes whose command line contains `text` (the PM2 daemon names its home; Redis its port). */
function processesMatching(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text) && !/^\s*\d+ Z/.test(line));
}

/** Running, that is: exists and is not a zombie waiting for its parent to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !(existsSync(stat) && /^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8')));
}

describe('local cluster started the way npm start does', () => {
  const cluster = new TestCluster(testPortOffset());
  jest.setTimeout(120_000);

  afterAll(async () => {
    await cluster.dispose();
  });

  it('starts Redis and nine daemons that all answer /health and see their peers', async () => {
    const started = await cluster.start();
    expect(started.output).toContain('DSS local cluster is up: 9 daemons');
    expect(started.code).toBe(0);
    for (const role of ROLES) {
      for (const node of NODES) {
        const health = await getJson(`${cluster.url(role, node)}/health`);
        expect(health).toMatchObject({ status: 200, body: { status: 'ok', node, role } });
        const view = await getJson<ClusterView>(`${cluster.url(role, node)}/cluster`);
        expect(view.body.peers.map((p) => [p.id, p.reachable])).toEqual(NODES.filter((n) => n !== node).map((n) => [n, true]));
      }
    }
  });

  it('answers every error as the DSS envelope', async () => {
    const notFound = await getJson(`${cluster.url('lock', 'node1')}/no-such-route`);
    expect(notFound).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } });
    const res = await fetch(`${cluster.url('lock', 'node1')}/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' });
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
    const [t1, t2] = await Promise.all([eventually(peerSeesItDown('node1'), 3000, 20), eventually(peerSeesItDown('node2'), 3000, 20)]);
    expect(Math.max(t1, t2)).toBeLessThanOrEqual(3000);

    await eventually(async () => (await getJson(`${cluster.url('cache', 'node3')}/ready`)).status === 200, 30_000, 200);
    const after = await getJson<{ pid: number }>(`${cluster.url('cache', 'node3')}/health`);
    expect(after.body.pid).not.toBe(victim.body.pid);
    const view = await getJson<ClusterView>(`${cluster.url('cache', 'node1')}/cluster`);
    expect(view.body.peers.find((p) => p.id === 'node3')?.reachable).toBe(true);
  });

  it('stops everything and leaves no process behind, then starts again', async () => {
    const pids = await Promise.all(
      ROLES.flatMap((role) => NODES.map(async (node) => (await getJson<{ pid: number }>(`${cluster.url(role, node)}/health`)).body.pid)),
    );
    const redis = cluster.cluster.redis?.mode === 'standalone' ? `redis-server 127.0.0.1:${cluster.cluster.redis.port}` : 'none';
    expect(processesMatching(redis)).toHaveLength(1);
    pids.push(Number(readFileSync(join(cluster.home, 'pm2', 'pm2.pid'), 'utf8')));
    const stopped = await cluster.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.output).toMatch(/stopped 10 processes and the PM2 daemon/);
    expect(pids.filter(alive)).toEqual([]);
    expect(processesMatching(cluster.home)).toEqual([]);
    expect(processesMatching(redis)).toEqual([]);
    await expect(fetch(`${cluster.url('lock', 'node1')}/health`)).rejects.toThrow();

    const again = await cluster.start();
    expect(again.code).toBe(0);
    expect((await getJson(`${cluster.url('lock', 'node3')}/health`)).status).toBe(200);
  });
});

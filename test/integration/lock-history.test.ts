import { checkLockHistory, dumpHistory, formatLockViolations, HistoryRecorder } from '../support/history/index.js';
import { Prng } from '../support/prng.js';
import { eventually, getJson, postJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Jepsen-style: concurrent clients do random acquire/release on a few
// resources while a nemesis SIGKILLs the Raft leader every few seconds (PM2
// restarts it). The recorded history must show no two conflicting holders at
// once (at most two holders of the semaphore `sem`) and fencing tokens rising
// in grant order. DSS_LOCK_HISTORY_SECONDS
// changes the duration (60 s by default).

const SECONDS = Number(process.env.DSS_LOCK_HISTORY_SECONDS ?? 60);
const CLIENTS = 8;
const RESOURCES = ['r1', 'r2', 'r3'];
/** One acquire in four takes a permit of this semaphore. */
const SEMAPHORE = { resource: 'sem', permits: 2 };
const KILL_EVERY_MS = 5000;
const NODES = ['node1', 'node2', 'node3'];

describe('lock history under leader crashes', () => {
  jest.setTimeout((SECONDS + 120) * 1000);
  const cluster = new TestCluster(testPortOffset() + 60);
  const url = (node: string) => cluster.url('lock', node);

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it(`keeps mutual exclusion and rising fencing tokens (${CLIENTS} clients, ${SECONDS} s, leader SIGKILL every ${KILL_EVERY_MS / 1000} s)`, async () => {
    const recorder = new HistoryRecorder();
    const deadline = Date.now() + SECONDS * 1000;
    let kills = 0;

    const client = async (id: number) => {
      const rng = new Prng(1000 + id);
      const random = () => rng.next();
      let generation = 0;
      while (Date.now() < deadline) {
        const owner = `c${id}-${generation}`;
        const permit = random() < 0.25;
        const resource = permit ? SEMAPHORE.resource : RESOURCES[Math.floor(random() * RESOURCES.length)]!;
        const mode = permit || random() < 0.8 ? 'exclusive' : 'shared';
        const waitMs = Math.floor(random() * 1000);
        const node = NODES[Math.floor(random() * NODES.length)]!;
        const args = {
          resource,
          owner,
          mode,
          ttlMs: 3000,
          waitMs,
          ...(permit ? { permits: SEMAPHORE.permits } : {}),
          requestId: `${owner}-${Date.now()}-${random()}`,
        };
        const acq = recorder.invoke(id, 'acquire', args);
        const res = await postJson(`${url(node)}/lock/acquire`, args, waitMs + 8000).catch(() => undefined);
        if (res?.status === 200) recorder.complete(acq, 'ok', res.body);
        else if (res?.status === 409) recorder.complete(acq, 'fail', res.body);
        else {
          recorder.unknown(acq, res ? `HTTP ${res.status}` : 'network error');
          generation++; // an unknown outcome may hold: continue as a new owner
          continue;
        }
        if (res.status !== 200) continue;
        await new Promise((r) => setTimeout(r, Math.floor(random() * 200)));
        const relArgs = { resource, owner };
        const rel = recorder.invoke(id, 'release', relArgs);
        const relRes = await postJson(`${url(node)}/lock/release`, relArgs, 8000).catch(() => undefined);
        if (relRes?.status === 200) recorder.complete(rel, 'ok', relRes.body);
        else if (relRes?.status === 404) recorder.complete(rel, 'fail', relRes.body);
        else {
          recorder.unknown(rel, relRes ? `HTTP ${relRes.status}` : 'network error');
          generation++;
        }
      }
    };

    const nemesis = async () => {
      while (Date.now() + KILL_EVERY_MS < deadline) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        for (const node of NODES) {
          const view = await getJson<{ raft: { state: string } }>(`${url(node)}/cluster`).catch(() => undefined);
          if (view?.body.raft.state !== 'leader') continue;
          const pid = (await getJson<{ pid: number }>(`${url(node)}/health`)).body.pid;
          process.kill(pid, 'SIGKILL');
          kills++;
          break;
        }
      }
    };

    await Promise.all([nemesis(), ...Array.from({ length: CLIENTS }, (_, i) => client(i))]);
    const history = recorder.history();
    const result = checkLockHistory(history, { sharedGrantsMayShareToken: true });
    if (!result.ok) process.stderr.write(`history written to ${dumpHistory(history, 'lock-history')}\n`);
    expect(formatLockViolations(result)).toBe('');
    // The run must have exercised what it claims to.
    expect(kills).toBeGreaterThanOrEqual(Math.floor(SECONDS / (KILL_EVERY_MS / 1000)) - 2);
    expect(result.stats.grants).toBeGreaterThan(SECONDS * 5);
    process.stdout.write(
      `lock history: ${result.stats.ops} ops, ${result.stats.grants} grants, ${result.stats.certainHolds} certain holds, ${result.stats.unknownOps} unknown, ${kills} leader kills\n`,
    );
    // Every daemon is back: the cluster healed.
    for (const node of NODES)
      await eventually(async () => (await getJson(`${url(node)}/ready`)).status === 200, 30_000, 200);
  });
});

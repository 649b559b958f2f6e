import { checkLinearizable, dumpHistory, HistoryRecorder, registerModel } from '../support/history/index.js';
import { Prng } from '../support/prng.js';
import { eventually, getJson, requestJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Clients on all three cache nodes read, write and delete a few keys at once;
// the recorded history must be linearizable per key (one register each; a
// delete writes null, a 404 reads null). The checker is Wing & Gong with
// Lowe's memoisation (test/support/history), which its own tests show
// catching a planted stale read. DSS_CACHE_HISTORY_SECONDS changes the
// duration (30 s by default); DSS_CACHE_HISTORY_SEED the random choices.

const SECONDS = Number(process.env.DSS_CACHE_HISTORY_SECONDS ?? 30);
const SEED = Number(process.env.DSS_CACHE_HISTORY_SEED ?? 6);
const CLIENTS = 9;
const KEYS = ['k1', 'k2', 'k3', 'k4'];
const NODES = ['node1', 'node2', 'node3'];

describe('cache history', () => {
  jest.setTimeout((SECONDS + 120) * 1000);
  // A small cache and a fast flush keep evictions and write-backs in the mix.
  const cluster = new TestCluster(testPortOffset() + 70, { DSS_CACHE_MAX_ENTRIES: '2', DSS_CACHE_FLUSH_INTERVAL_MS: '200' });
  const url = (node: string, key: string) => `${cluster.url('cache', node)}/cache/${key}`;

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  });
  afterAll(() => cluster.dispose());

  it(`is linearizable per key (${CLIENTS} clients on 3 nodes, ${KEYS.length} keys, ${SECONDS} s)`, async () => {
    const recorder = new HistoryRecorder();
    const deadline = Date.now() + SECONDS * 1000;
    const counts = { read: 0, write: 0, delete: 0, unknown: 0 };

    const unknown = (h: ReturnType<HistoryRecorder['invoke']>, status: number | undefined) => {
      recorder.unknown(h, status ? `HTTP ${status}` : 'network error');
      counts.unknown++;
    };

    const client = async (id: number) => {
      const rng = new Prng(SEED * 1000 + id);
      const random = () => rng.next();
      const node = NODES[id % NODES.length]!;
      for (let n = 0; Date.now() < deadline; n++) {
        const key = KEYS[Math.floor(random() * KEYS.length)]!;
        const roll = random();
        if (roll < 0.55) {
          const h = recorder.invoke(id, 'read', { key });
          const res = await requestJson<{ value: unknown }>('GET', url(node, key)).catch(() => undefined);
          if (res?.status === 200) recorder.complete(h, 'ok', res.body.value);
          else if (res?.status === 404) recorder.complete(h, 'ok', null);
          else unknown(h, res?.status);
          counts.read++;
        } else {
          // A delete is a write of null (a later read answers 404).
          const value = roll < 0.93 ? `c${id}-${n}` : null;
          const h = recorder.invoke(id, 'write', { key, value });
          const res = value === null ? await requestJson('DELETE', url(node, key)).catch(() => undefined) : await requestJson('PUT', url(node, key), { value }).catch(() => undefined);
          if (res?.status === 200 || (value === null && res?.status === 404)) recorder.complete(h, 'ok');
          else unknown(h, res?.status);
          counts[value === null ? 'delete' : 'write']++;
        }
        if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 5)));
      }
    };

    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const history = recorder.history();
    const result = checkLinearizable(history, registerModel(null), { maxSteps: 5_000_000 });
    if (!result.ok) process.stderr.write(`history written to ${dumpHistory(history, 'cache-history')}\n`);
    expect(result.message).toBe(`register: linearizable (${KEYS.length} partitions)`);
    // The same checker on this very history rejects one planted stale read: a
    // read after everything ended that returns a value overwritten long before.
    const firstWrite = history.find((op) => op.op === 'write' && op.outcome === 'ok' && (op.args as { value: unknown }).value !== null)!;
    const end = Math.max(...history.map((op) => op.completedAt ?? op.invokedAt));
    const stale = { index: history.length, process: 'planted', op: 'read', args: firstWrite.args, invokedAt: end + 1, completedAt: end + 2, outcome: 'ok' as const, value: (firstWrite.args as { value: unknown }).value };
    expect(checkLinearizable([...history, { ...stale, args: { key: (firstWrite.args as { key: string }).key } }], registerModel(null), { maxSteps: 5_000_000 }).status).toBe('violation');
    // The run must have exercised what it claims to, with coherence traffic and write-backs.
    expect(counts.read).toBeGreaterThan(SECONDS * 50);
    expect(counts.write).toBeGreaterThan(SECONDS * 30);
    expect(counts.unknown).toBe(0);
    const metrics = await (await fetch(`${cluster.url('cache', 'node1')}/metrics`)).text();
    expect(metrics).toMatch(/dss_cache_forwards_sent_total\{kind="invalidate"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dss_cache_write_backs_total\{reason="evict",outcome="ok"[^}]*\} [1-9]/);
    process.stdout.write(`cache history: ${history.length} ops (${counts.read} reads, ${counts.write} writes, ${counts.delete} deletes, ${counts.unknown} unknown), seed ${SEED}\n`);
    for (const node of NODES) await eventually(async () => (await getJson(`${cluster.url('cache', node)}/ready`)).status === 200, 10_000, 200);
  });
});

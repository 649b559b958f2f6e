// Queue workload: producers publish batches of unique bodies over many topics;
// consumers consume and ack. Each client stays on a node and moves to the next
// when it fails, repeating the request (a publish with its dedupId), as DSS's
// client does. After
// the deadline the producers stop and the consumers drain until every
// acknowledged body came out once (or the drain timeout passes); then each
// topic's dead-letter list is read. No acknowledged body may be lost.
import { checkQueueHistory, formatQueueCheck, HistoryRecorder } from '../../support/history/index.js';
import { Prng } from '../../support/prng.js';
import { NodeCursor, postJson, transient, withFailover, type HttpResult } from './workload-http.js';
import { countOps, countUncertain, isRecord, sleep } from './workload-util.js';
import { bodyText, readDeadLetters, settleFailure } from './queue-workload-io.js';
import type { Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface QueueWorkloadOptions {
  readonly topics?: number;
  readonly producers?: number;
  readonly consumers?: number;
  /** How long consumers keep going after the producers stopped. Default 90 s. */
  readonly drainTimeoutMs?: number;
}

const BATCH = 5;
const CONSUME = { max: 50, visibilityMs: 3000, waitMs: 200 };
const TIMEOUT_MS = 10_000;
/** One attempt on one node before the client tries the next (a consume adds its waitMs). */
const ATTEMPT_TIMEOUT_MS = 2000;
const judge = (res: HttpResult) => (transient(res) ? 'retry' : 'done');

interface Delivery {
  readonly id: string;
  readonly receipt: string;
  readonly body: string;
  readonly deliveries: number;
}

export function createQueueWorkload(opts: QueueWorkloadOptions = {}): Workload {
  const topicCount = opts.topics ?? 10;
  const producerCount = opts.producers ?? 3;
  const consumerCount = opts.consumers ?? 3;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 90_000;
  let recorder = new HistoryRecorder();

  async function run(ctx: WorkloadContext): Promise<void> {
    recorder = new HistoryRecorder();
    const topics = Array.from({ length: topicCount }, (_, i) => `chaos-${ctx.seed}-${i}`);
    const call = (cursor: NodeCursor, path: string, body: unknown, extraMs = 0) =>
      withFailover(
        cursor,
        Date.now() + TIMEOUT_MS + extraMs,
        (node, t) => postJson(`${ctx.url('queue', node)}${path}`, body, t),
        judge,
        ATTEMPT_TIMEOUT_MS + extraMs,
      ).then((r) => r.res);
    // Acknowledged bodies not consumed yet, per topic: what the drain waits for.
    const outstanding = new Map(topics.map((t) => [t, new Set<string>()]));
    const delivered = new Set<string>();
    let producing = true;
    let drainUntil = Infinity;

    const producer = async (p: number): Promise<void> => {
      const rng = new Prng(ctx.seed * 1000 + 200 + p);
      const cursor = new NodeCursor(ctx.nodes, p);
      for (let seq = 0; Date.now() < ctx.deadline; seq++) {
        const topic = rng.pick(topics);
        const messages = Array.from({ length: BATCH }, (_, i) => `${p}:${seq}:${i}`);
        const h = recorder.invoke(`p${p}`, 'publish', { topic, messages });
        // The dedupId makes a publish repeated on another node count once.
        const res = await call(cursor, '/queue/publish', { topic, messages, dedupId: `${ctx.seed}-${p}-${seq}` });
        if (res.ok && res.status === 201) {
          recorder.complete(h, 'ok', res.body);
          // A consumer may have seen a body before the 201 arrived.
          for (const m of messages) if (!delivered.has(m)) outstanding.get(topic)?.add(m);
          continue;
        }
        settleFailure(recorder, h, res);
        await sleep(100);
      }
    };

    const consumer = async (c: number): Promise<void> => {
      const rng = new Prng(ctx.seed * 1000 + 300 + c);
      const cursor = new NodeCursor(ctx.nodes, c + 1);
      while (producing || (Date.now() < drainUntil && [...outstanding.values()].some((s) => s.size > 0))) {
        // Draining: go where acknowledged bodies still wait.
        const waiting = topics.filter((t) => (outstanding.get(t)?.size ?? 0) > 0);
        const topic = !producing && waiting.length > 0 ? rng.pick(waiting) : rng.pick(topics);
        const h = recorder.invoke(`c${c}`, 'consume', { topic });
        const res = await call(cursor, '/queue/consume', { topic, ...CONSUME }, CONSUME.waitMs);
        const batch = res.ok && res.status === 200 ? deliveries(res.body) : undefined;
        if (!batch) {
          if (res.ok && res.status === 200)
            ctx.log(`queue: malformed consume reply ${JSON.stringify(res.body).slice(0, 200)}`);
          settleFailure(recorder, h, res);
          await sleep(100);
          continue;
        }
        recorder.complete(h, 'ok', {
          messages: batch.map(({ id, body, deliveries: n }) => ({ id, body, deliveries: n })),
        });
        for (const m of batch) {
          delivered.add(m.body);
          outstanding.get(topic)?.delete(m.body);
        }
        if (batch.length > 0) await ack(cursor, c, topic, batch);
      }
    };

    const ack = async (cursor: NodeCursor, c: number, topic: string, batch: readonly Delivery[]): Promise<void> => {
      const h = recorder.invoke(`c${c}`, 'ack', { topic, bodies: batch.map((m) => m.body) });
      const res = await call(cursor, '/queue/ack', { topic, receipts: batch.map((m) => m.receipt) });
      const acked =
        res.ok && res.status === 200 && isRecord(res.body) && typeof res.body.acked === 'number'
          ? res.body.acked
          : undefined;
      if (acked !== undefined) recorder.complete(h, 'ok', { acked });
      else settleFailure(recorder, h, res);
    };

    const producers = Promise.all(Array.from({ length: producerCount }, (_, p) => producer(p))).then(() => {
      producing = false;
      drainUntil = Date.now() + drainTimeoutMs;
    });
    await Promise.all([producers, ...Array.from({ length: consumerCount }, (_, c) => consumer(c))]);
    const undelivered = [...outstanding.values()].reduce((n, s) => n + s.size, 0);
    if (undelivered > 0)
      ctx.log(`queue: drain timed out with ${undelivered} acknowledged bodies not consumed; reading dead letters`);
    const reader = new Prng(ctx.seed * 1000 + 399);
    for (const topic of topics) await readDeadLetters(ctx, recorder, reader, topic, 'queue');
    const h = recorder.history();
    ctx.log(
      `queue: ${h.length} ops (${countOps(h, 'publish', 'ok')} publishes acknowledged, ${countOps(h, 'consume', 'ok')} consumes, ${countUncertain(h)} unknown)`,
    );
  }

  function verdict(): WorkloadVerdict {
    const history = recorder.history();
    const result = checkQueueHistory(history);
    const s = result.stats;
    const anomalies = result.lost.length + result.unexpected.length;
    return {
      workload: 'queue',
      ok: result.ok,
      anomalies,
      ops: history.length,
      figures: {
        published: s.published,
        delivered: s.delivered,
        duplicates: result.duplicates,
        lost: result.lost.length,
        deadLettered: s.deadLettered,
        publishUnknown: s.publishUnknown,
      },
      details: result.ok
        ? `${s.published} acknowledged bodies all came out (${s.delivered} delivered, ${result.duplicates} duplicate deliveries, ${s.deadLettered} dead-lettered); ${s.publishUnknown} unknown publishes, ${s.recoveredUnknown} of them came out`
        : formatQueueCheck(result),
    };
  }

  return { name: 'queue', run, verdict: () => verdict(), history: () => recorder.history() };
}

/** The messages of a consume reply, or undefined when it is not one. */
function deliveries(body: unknown): Delivery[] | undefined {
  if (!isRecord(body) || !Array.isArray(body.messages)) return undefined;
  const out: Delivery[] = [];
  for (const m of body.messages) {
    if (!isRecord(m) || typeof m.id !== 'string' || typeof m.receipt !== 'string' || typeof m.deliveries !== 'number')
      return undefined;
    out.push({ id: m.id, receipt: m.receipt, body: bodyText(m.body), deliveries: m.deliveries });
  }
  return out;
}

// Message-group workload (docs/queue.md, "Message groups"): producers publish
// numbered bodies into a few groups of one topic, each group by one producer,
// one publish after the other (so each group has a publish order); consumers
// consume and ack through a random node per request. After the deadline the
// producers stop and the consumers drain until every acknowledged body came
// out (or the drain timeout passes); then the dead letters are read.
// Verdict: no acknowledged body lost (queue-checker.ts), and, per group,
// first sightings in publish order and never two bodies in flight at once,
// as the clients saw it (queue-group-checker.ts says exactly what is checked).
import {
  checkGroupHistory,
  checkQueueHistory,
  formatGroupCheck,
  formatQueueCheck,
  HistoryRecorder,
} from '../../support/history/index.js';
import { Prng } from '../../support/prng.js';
import { NodeCursor, postJson, transient, withFailover, type HttpResult } from './workload-http.js';
import { countOps, countUncertain, isRecord, sleep } from './workload-util.js';
import { readDeadLetters, settleFailure } from './queue-workload-io.js';
import type { Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface QueueGroupsWorkloadOptions {
  /** Groups in the topic; producers share them out. Default 6. */
  readonly groups?: number;
  readonly producers?: number;
  readonly consumers?: number;
  /** How long consumers keep going after the producers stopped. Default 90 s. */
  readonly drainTimeoutMs?: number;
}

/** Each publish carries 1 to this many bodies. */
const MAX_BATCH = 3;
/** A pause between publishes: a group drains one body per consume-and-ack round trip, so a faster producer only grows a backlog. */
const PUBLISH_PAUSE_MS = 20;
const CONSUME = { max: 10, visibilityMs: 3000, waitMs: 200 };
const TIMEOUT_MS = 10_000;
const ATTEMPT_TIMEOUT_MS = 2000;
const judge = (res: HttpResult) => (transient(res) ? 'retry' : 'done');

interface Delivery {
  readonly id: string;
  readonly receipt: string;
  readonly body: string;
  readonly deliveries: number;
  readonly group: string;
}

export function createQueueGroupsWorkload(opts: QueueGroupsWorkloadOptions = {}): Workload {
  const groupCount = opts.groups ?? 6;
  const producerCount = opts.producers ?? 2;
  const consumerCount = opts.consumers ?? 3;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 90_000;
  let recorder = new HistoryRecorder();

  async function run(ctx: WorkloadContext): Promise<void> {
    recorder = new HistoryRecorder();
    const topic = `chaos-groups-${ctx.seed}`;
    const groups = Array.from({ length: groupCount }, (_, i) => `g${i}`);
    // Through a random node, moving on to the next ones while it fails (a publish repeats with its dedupId).
    const call = (rng: Prng, path: string, body: unknown, extraMs = 0) =>
      withFailover(
        new NodeCursor(ctx.nodes, rng.below(ctx.nodes.length)),
        Date.now() + TIMEOUT_MS + extraMs,
        (node, t) => postJson(`${ctx.url('queue', node)}${path}`, body, t),
        judge,
        ATTEMPT_TIMEOUT_MS + extraMs,
      ).then((r) => r.res);
    // Acknowledged bodies not consumed yet: what the drain waits for.
    const outstanding = new Set<string>();
    const delivered = new Set<string>();
    let producing = true;
    let drainUntil = Infinity;

    const producer = async (p: number): Promise<void> => {
      const rng = new Prng(ctx.seed * 1000 + 500 + p);
      const mine = groups.filter((_, i) => i % producerCount === p);
      const next = new Map(mine.map((g) => [g, 0]));
      for (let seq = 0; Date.now() < ctx.deadline && mine.length > 0; seq++) {
        const group = rng.pick(mine);
        const from = next.get(group)!;
        const messages = Array.from({ length: rng.int(1, MAX_BATCH) }, (_, i) => `${group}:${from + i}`);
        next.set(group, from + messages.length);
        const h = recorder.invoke(`p${p}`, 'publish', { topic, group, messages });
        const res = await call(rng, '/queue/publish', {
          topic,
          group,
          messages,
          dedupId: `${ctx.seed}-groups-${p}-${seq}`,
        });
        if (res.ok && res.status === 201) {
          recorder.complete(h, 'ok', res.body);
          for (const m of messages) if (!delivered.has(m)) outstanding.add(m);
        } else settleFailure(recorder, h, res);
        await sleep(PUBLISH_PAUSE_MS);
      }
    };

    const consumer = async (c: number): Promise<void> => {
      const rng = new Prng(ctx.seed * 1000 + 600 + c);
      while (producing || (Date.now() < drainUntil && outstanding.size > 0)) {
        const h = recorder.invoke(`c${c}`, 'consume', { topic });
        const res = await call(rng, '/queue/consume', { topic, ...CONSUME }, CONSUME.waitMs);
        const batch = res.ok && res.status === 200 ? deliveries(res.body) : undefined;
        if (!batch) {
          if (res.ok && res.status === 200)
            ctx.log(`queue-groups: malformed consume reply ${JSON.stringify(res.body).slice(0, 200)}`);
          settleFailure(recorder, h, res);
          await sleep(100);
          continue;
        }
        recorder.complete(h, 'ok', { messages: batch });
        for (const m of batch) {
          delivered.add(m.body);
          outstanding.delete(m.body);
        }
        if (batch.length > 0) await ack(rng, c, batch);
      }
    };

    const ack = async (rng: Prng, c: number, batch: readonly Delivery[]): Promise<void> => {
      const receipts = batch.map((m) => m.receipt);
      const h = recorder.invoke(`c${c}`, 'ack', { topic, bodies: batch.map((m) => m.body), receipts });
      const res = await call(rng, '/queue/ack', { topic, receipts });
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
    if (outstanding.size > 0)
      ctx.log(`queue-groups: drain timed out with ${outstanding.size} acknowledged bodies not consumed`);
    await readDeadLetters(ctx, recorder, new Prng(ctx.seed * 1000 + 699), topic, 'queue-groups');
    const h = recorder.history();
    ctx.log(
      `queue-groups: ${h.length} ops (${countOps(h, 'publish', 'ok')} publishes acknowledged, ${countOps(h, 'consume', 'ok')} consumes, ${countUncertain(h)} unknown)`,
    );
  }

  function verdict(): WorkloadVerdict {
    const history = recorder.history();
    const queue = checkQueueHistory(history);
    const groups = checkGroupHistory(history, { visibilityMs: CONSUME.visibilityMs });
    const count = (kind: string) => groups.violations.filter((v) => v.kind === kind).length;
    const s = queue.stats;
    const anomalies = queue.lost.length + queue.unexpected.length + groups.violations.length;
    const ok = queue.ok && groups.ok;
    return {
      workload: 'queue-groups',
      ok,
      anomalies,
      ops: history.length,
      figures: {
        groups: groups.stats.groups,
        published: s.published,
        delivered: s.delivered,
        duplicates: queue.duplicates,
        lost: queue.lost.length,
        deadLettered: s.deadLettered,
        publishUnknown: s.publishUnknown,
        orderedPairs: groups.stats.orderedPairs,
        outOfOrder: count('order') + count('skipped'),
        overlaps: count('overlap'),
      },
      details: ok
        ? `${s.published} acknowledged bodies in ${groups.stats.groups} groups all came out (${s.delivered} delivered, ${queue.duplicates} duplicate deliveries, ${s.deadLettered} dead-lettered), in publish order per group (${groups.stats.orderedPairs} ordered pairs) and one at a time; ${s.publishUnknown} unknown publishes`
        : [formatQueueCheck(queue), formatGroupCheck(groups)].filter((t) => t !== '').join('\n'),
    };
  }

  return { name: 'queue-groups', run, verdict: () => verdict(), history: () => recorder.history() };
}

/** The messages of a consume reply, or undefined when it is not one (a message without a group is not one). */
function deliveries(body: unknown): Delivery[] | undefined {
  if (!isRecord(body) || !Array.isArray(body.messages)) return undefined;
  const out: Delivery[] = [];
  for (const m of body.messages) {
    if (
      !isRecord(m) ||
      typeof m.id !== 'string' ||
      typeof m.receipt !== 'string' ||
      typeof m.deliveries !== 'number' ||
      typeof m.body !== 'string' ||
      typeof m.group !== 'string'
    )
      return undefined;
    out.push({ id: m.id, receipt: m.receipt, body: m.body, deliveries: m.deliveries, group: m.group });
  }
  return out;
}

// Counter workload: a read-modify-write counter in Redis (the queue's and
// cache's store, its primary named by the lock nodes), guarded by the lock service and fenced by
// its tokens. Each client takes the lock, reads, writes read+1 and releases.
// A lease can expire mid-operation (pause, partition), so the fenced script
// is what must keep every acknowledged increment: the final value has to be
// explained by the acknowledged and unknown writes, with none lost.
import type { Redis } from 'ioredis';
import { connectionMark, waitForReplicas } from '@dss/config';
import {
  checkCounterHistory,
  formatCounterCheck,
  HistoryRecorder,
  type OpHandle,
} from '../../support/history/index.js';
import { Prng } from '../../support/prng.js';
import { fencedOp, readCounter } from './counter-store.js';
import { watchRedisPrimary } from './redis-primary.js';
import { describeFailure, NodeCursor, postJson, transient, withFailover, type HttpResult } from './workload-http.js';
import { countOps, countUncertain, numberField, sleep } from './workload-util.js';
import type { Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface CounterWorkloadOptions {
  readonly clients?: number;
}

const RESOURCE = 'counter';
const LEASE = { ttlMs: 2000, waitMs: 2000 };
const STALL_CHANCE = 0.05;
const STALL_EXTRA_MS = 500;
const HTTP_MARGIN_MS = 8000;
/** One lock request on one node, beyond waitMs, before the client tries the next. */
const ATTEMPT_MARGIN_MS = 1500;
const judge = (res: HttpResult) => (transient(res) ? 'retry' : 'done');
/** Redis may be failing over at the deadline: the setup and final read retry this long. */
const REDIS_PATIENCE_MS = 30_000;
/** As the deployment's replicasToAck: a majority of the three Redis servers with the primary (docs/redis-failover.md). */
const WAIT_REPLICAS = 1;
const WAIT_TIMEOUT_MS = 1000;

export function createCounterWorkload(opts: CounterWorkloadOptions = {}): Workload {
  const clients = opts.clients ?? 4;
  let recorder = new HistoryRecorder();

  async function run(ctx: WorkloadContext): Promise<void> {
    recorder = new HistoryRecorder();
    const key = `chaos:counter:${ctx.seed}`;
    let redisDown = false;
    const watch = watchRedisPrimary(ctx, (err: Error) => {
      if (!redisDown) ctx.log(`counter: redis: ${err.message}`);
      redisDown = true;
    });
    const redis = watch.client;
    redis.on('ready', () => (redisDown = false));
    try {
      // A fresh counter: value 0, no token (a rerun with the same seed must not inherit one).
      if (!(await retry(() => redis.del(key))))
        ctx.log(`counter: could not reset ${key}; the run starts from its old state`);
      await Promise.all(Array.from({ length: clients }, (_, id) => client(ctx, redis, key, id)));
      await finalRead(redis, key);
    } finally {
      watch.stop();
      await redis.quit().catch(() => redis.disconnect());
    }
    const h = recorder.history();
    ctx.log(
      `counter: ${h.length} ops (${countOps(h, 'write', 'ok')} writes ok, ${countOps(h, 'write', 'fail')} fenced, ${countUncertain(h)} unknown)`,
    );
  }

  async function client(ctx: WorkloadContext, redis: Redis, key: string, id: number): Promise<void> {
    const rng = new Prng(ctx.seed * 1000 + 100 + id);
    const cursor = new NodeCursor(ctx.nodes, id);
    const lockCall = (path: string, body: object, waitMs: number) =>
      withFailover(
        cursor,
        Date.now() + waitMs + HTTP_MARGIN_MS,
        (node, t) => postJson(`${ctx.url('lock', node)}${path}`, body, t),
        judge,
        waitMs + ATTEMPT_MARGIN_MS,
      ).then((r) => r.res);
    let generation = 0;
    while (Date.now() < ctx.deadline) {
      const owner = `k${id}-${generation}`;
      const requestId = `${owner}-${Date.now()}-${rng.below(1e9)}`;
      // Recorded for availability (the lock service is half of this workload); the counter checker reads only reads and writes.
      const acqOp = recorder.invoke(id, 'acquire', { resource: RESOURCE, owner });
      const acq = await lockCall('/lock/acquire', { resource: RESOURCE, owner, requestId, ...LEASE }, LEASE.waitMs);
      if (acq.ok && acq.status === 409) {
        recorder.complete(acqOp, 'fail', acq.body);
        continue;
      }
      const token = acq.ok && acq.status === 200 ? numberField(acq.body, 'fencingToken') : undefined;
      if (token === undefined) {
        if (acq.ok && acq.status === 200)
          ctx.log(`counter: acquire answered 200 without a fencing token: ${JSON.stringify(acq.body)}`);
        recorder.unknown(acqOp, describeFailure(acq));
        generation++; // the acquire may have granted: never reuse this owner
        await sleep(50);
        continue;
      }
      recorder.complete(acqOp, 'ok', acq.ok ? acq.body : undefined);
      const read = await fenced(id, redis, key, token, 'read');
      // Now and then the holder stalls past its lease (a GC pause, a slow disk): another client
      // gets the lock with a higher token, and the store must refuse this holder's late write.
      if (read !== undefined && rng.chance(STALL_CHANCE)) await sleep(LEASE.ttlMs + STALL_EXTRA_MS);
      if (read !== undefined) await fenced(id, redis, key, token, 'write', read + 1);
      const relOp = recorder.invoke(id, 'release', { resource: RESOURCE, owner });
      const rel = await lockCall('/lock/release', { resource: RESOURCE, owner, requestId: `${requestId}-release` }, 0);
      if (rel.ok && (rel.status === 200 || rel.status === 404))
        recorder.complete(relOp, rel.status === 200 ? 'ok' : 'fail', rel.body);
      else {
        recorder.unknown(relOp, describeFailure(rel));
        generation++;
      }
    }
  }

  /**
   * Records one fenced op; resolves to the value read (or written) when it certainly took effect.
   * Both reads and writes count only once a replica has them: a read raises the fence, and a
   * failover that undid that could let an older holder write. WAIT must run on the connection
   * that did the op (ioredis may retry it on a new primary, where it proves nothing).
   */
  async function fenced(
    id: number,
    redis: Redis,
    key: string,
    token: number,
    op: 'read' | 'write',
    value?: number,
  ): Promise<number | undefined> {
    const h = recorder.invoke(id, op, op === 'read' ? { token } : { token, value });
    try {
      const connection = connectionMark(redis);
      const result = await fencedOp(redis, key, token, op, value);
      if (!result.done) {
        recorder.complete(h, 'fail', { error: 'fenced' });
        return undefined;
      }
      const { acknowledged, reconnected } = await waitForReplicas(redis, WAIT_REPLICAS, WAIT_TIMEOUT_MS, connection);
      if (reconnected || acknowledged < WAIT_REPLICAS) {
        recorder.unknown(h, reconnected ? 'reconnected before WAIT' : 'not replicated');
        return undefined;
      }
      recorder.complete(h, 'ok', op === 'read' ? { value: result.value } : undefined);
      return result.value;
    } catch (err: unknown) {
      unknown(h, err);
      return undefined;
    }
  }

  async function finalRead(redis: Redis, key: string): Promise<void> {
    const h = recorder.invoke('final', 'final', {});
    let lastError: unknown = new Error('not tried');
    const giveUp = Date.now() + REDIS_PATIENCE_MS;
    while (Date.now() < giveUp) {
      try {
        recorder.complete(h, 'ok', { value: await readCounter(redis, key) });
        return;
      } catch (err: unknown) {
        lastError = err;
        await sleep(500);
      }
    }
    unknown(h, lastError);
  }

  function unknown(h: OpHandle, err: unknown): void {
    recorder.unknown(h, err instanceof Error ? err.message : String(err));
  }

  function verdict(): WorkloadVerdict {
    const history = recorder.history();
    const result = checkCounterHistory(history);
    const s = result.stats;
    const summary = `${s.reads} reads, ${s.writesOk} writes acknowledged, ${s.writesFenced} fenced, ${s.writesUnknown} unknown; final ${s.final ?? 'unread'}`;
    // Without the final read, acknowledged increments lost in a failover would go unseen: no pass.
    const undecided = s.final === undefined && s.writesOk > 0;
    return {
      workload: 'counter',
      ok: result.ok && !undecided,
      anomalies: result.anomalies.length,
      ops: history.length,
      figures: {
        writesOk: s.writesOk,
        writesFenced: s.writesFenced,
        writesUnknown: s.writesUnknown,
        final: s.final ?? -1,
      },
      details: !result.ok
        ? `${summary}\n${formatCounterCheck(result)}`
        : undecided
          ? `${summary}; UNDECIDED: the final read never succeeded (Redis unreachable for ${REDIS_PATIENCE_MS / 1000} s), so lost acknowledged increments cannot be ruled out`
          : `${summary}; no lost update, fencing order holds`,
    };
  }

  return { name: 'counter', run, verdict: () => verdict(), history: () => recorder.history() };
}

/** Retries `fn` every 500 ms for up to REDIS_PATIENCE_MS (Redis may be failing over); false if it never succeeded. */
async function retry(fn: () => Promise<unknown>): Promise<boolean> {
  const giveUp = Date.now() + REDIS_PATIENCE_MS;
  while (Date.now() < giveUp) {
    try {
      await fn();
      return true;
    } catch {
      await sleep(500);
    }
  }
  return false;
}

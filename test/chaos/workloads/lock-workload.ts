// Lock workload: clients acquire, hold and release a few resources through
// the nodes (each forwards to the Raft leader). Each client stays on a node
// and moves to the next when it fails, repeating the request with its
// requestId, as DSS's client does. The history must show mutual exclusion
// (at most `permits` holders of the semaphore) and fencing tokens rising in
// grant order.
import { checkLockHistory, formatLockViolations, HistoryRecorder } from '../../support/history/index.js';
import { Prng } from '../../support/prng.js';
import { describeFailure, NodeCursor, postJson, transient, withFailover, type HttpResult } from './workload-http.js';
import { countOps, countUncertain, sleep } from './workload-util.js';
import type { Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface LockWorkloadOptions {
  readonly clients?: number;
  readonly resources?: readonly string[];
  /** A semaphore the clients also take a permit of, one time in four; null for none. */
  readonly semaphore?: { readonly resource: string; readonly permits: number } | null;
}

const TTL_MS = 3000;
const FAILURE_BACKOFF_MS = 50;
// Beyond waitMs: room for a leader election and the forward hop, across every retry of the op.
const REPLY_MARGIN_MS = 8000;
/** One attempt on one node, beyond waitMs, before the client tries the next node. */
const ATTEMPT_MARGIN_MS = 1500;

/** 200 is the result and 409/404 a refusal; a node that cannot answer now is worth leaving. */
const judge = (res: HttpResult) => (transient(res) ? 'retry' : 'done');

export function createLockWorkload(opts: LockWorkloadOptions = {}): Workload {
  const clients = opts.clients ?? 8;
  const resources = opts.resources ?? ['r1', 'r2', 'r3'];
  const semaphore = opts.semaphore === undefined ? { resource: 'sem', permits: 2 } : opts.semaphore;
  let recorder = new HistoryRecorder();

  const client = async (ctx: WorkloadContext, id: number): Promise<void> => {
    const rng = new Prng(ctx.seed * 1000 + id);
    const cursor = new NodeCursor(ctx.nodes, id);
    let generation = 0;
    while (Date.now() < ctx.deadline) {
      const owner = `c${id}-${generation}`;
      const permit = semaphore !== null && rng.chance(0.25);
      const resource = permit ? semaphore.resource : rng.pick(resources);
      const mode = permit || rng.chance(0.8) ? 'exclusive' : 'shared';
      const waitMs = rng.int(0, 1000);
      const args = {
        resource,
        owner,
        mode,
        ttlMs: TTL_MS,
        waitMs,
        ...(permit ? { permits: semaphore.permits } : {}),
        requestId: `${owner}-${Date.now()}-${rng.below(1e9)}`,
      };
      const acq = recorder.invoke(id, 'acquire', args);
      const { res } = await withFailover(
        cursor,
        Date.now() + waitMs + REPLY_MARGIN_MS,
        (node, t) => postJson(`${ctx.url('lock', node)}/lock/acquire`, args, t),
        judge,
        waitMs + ATTEMPT_MARGIN_MS,
      );
      if (res.ok && res.status === 200) recorder.complete(acq, 'ok', res.body);
      else if (res.ok && res.status === 409) {
        recorder.complete(acq, 'fail', res.body);
        continue;
      } else {
        recorder.unknown(acq, describeFailure(res));
        generation++; // the unknown acquire may hold: never reuse this owner
        await sleep(FAILURE_BACKOFF_MS + rng.below(FAILURE_BACKOFF_MS)); // a real client backs off while the cluster fails over
        continue;
      }
      await sleep(rng.int(0, 200));
      // With a requestId a release repeated on another node is applied once.
      const relArgs = { resource, owner, requestId: `${args.requestId}-release` };
      const rel = recorder.invoke(id, 'release', { resource, owner });
      const { res: relRes } = await withFailover(
        cursor,
        Date.now() + REPLY_MARGIN_MS,
        (node, t) => postJson(`${ctx.url('lock', node)}/lock/release`, relArgs, t),
        judge,
        ATTEMPT_MARGIN_MS,
      );
      if (relRes.ok && relRes.status === 200) recorder.complete(rel, 'ok', relRes.body);
      else if (relRes.ok && relRes.status === 404) recorder.complete(rel, 'fail', relRes.body);
      else {
        recorder.unknown(rel, describeFailure(relRes));
        generation++;
      }
    }
  };

  return {
    name: 'lock',
    async run(ctx) {
      recorder = new HistoryRecorder();
      await Promise.all(Array.from({ length: clients }, (_, id) => client(ctx, id)));
      // What was recorded; the runner judges it (once: the check of a long run takes a while).
      const h = recorder.history();
      ctx.log(`lock: ${h.length} ops (${countOps(h, 'acquire', 'ok')} acquires granted, ${countUncertain(h)} unknown)`);
    },
    verdict: () => verdict(),
    history: () => recorder.history(),
  };

  function verdict(): WorkloadVerdict {
    const history = recorder.history();
    const result = checkLockHistory(history, { sharedGrantsMayShareToken: true });
    const { stats } = result;
    const summary = `${stats.ops} lock ops on ${stats.resources} resources: ${stats.grants} grants, ${stats.certainHolds} certain holds, ${stats.unknownOps} unknown`;
    return {
      workload: 'lock',
      ok: result.ok,
      anomalies: result.violations.length,
      ops: history.length,
      figures: {
        grants: stats.grants,
        semaphoreGrants: countOps(
          history.filter(
            (op) => semaphore !== null && (op.args as { resource?: unknown }).resource === semaphore.resource,
          ),
          'acquire',
          'ok',
        ),
        certainHolds: stats.certainHolds,
        unknown: stats.unknownOps,
        ops: stats.ops,
      },
      details: result.ok
        ? `${summary}; mutual exclusion, the semaphore's permit bound and fencing order hold`
        : `${summary}\n${formatLockViolations(result)}`,
    };
  }
}

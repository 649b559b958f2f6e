// Fenced-cache workload (docs/cache.md, "Fenced writes"): clients take a lock on one of a
// few resources through the lock API, then write the resource's cache key with the grant's
// fencing token (the value records token, client and seq) and read it back through any node.
// Some clients pause past their lease before a write, as a GC pause or a stalled VM would,
// so a later holder's higher token gets in first: the cache must refuse the late write. The
// verdict (test/support/history/fence-checker.ts) finds any acknowledged write or read older
// than a write acknowledged before it. A killed node may lose its own writes of the last
// flush interval (docs/cache.md); those are forgiven first, as in the cache workload.
import {
  checkFencedHistory,
  forgiveFaultedNode,
  formatFencedAnomalies,
  HistoryRecorder,
  type HistoryOp,
  type OpHandle,
} from '../../support/history/index.js';
import { CACHE_LEASE_MS } from '../../../libs/cache/src/cache-limits.js';
import { Prng } from '../../support/prng.js';
import {
  describeFailure,
  httpJson,
  NodeCursor,
  postJson,
  provablyNotApplied,
  transient,
  withFailover,
  type HttpResult,
} from './workload-http.js';
import { countOps, isRecord, numberField, sleep } from './workload-util.js';
import type { FaultWindow, Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface FencedCacheWorkloadOptions {
  /** The cluster's write-back interval (DSS_CACHE_FLUSH_INTERVAL_MS). Default 200. */
  readonly flushIntervalMs?: number;
  readonly clients?: number;
  readonly resources?: readonly string[];
}

/** A holder's lease: short, so paused holders are overtaken often. */
const LEASE_MS = 400;
/** A paused holder sleeps past its lease by this much more (at most): long enough for another to take the lock and write. */
const PAUSE_EXTRA_MS = 400;
const PAUSE_CHANCE = 0.3;
const WRITES_PER_GRANT = 3;
const ACQUIRE_WAIT_MS = 1500;
const TIMEOUT_MS = 5000;
const ATTEMPT_TIMEOUT_MS = 3000;
const SLACK_MS = 500;
const FAILURE_BACKOFF_MS = 50;

export function createFencedCacheWorkload(opts: FencedCacheWorkloadOptions = {}): Workload {
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const clients = opts.clients ?? 6;
  const resources = opts.resources ?? ['f1', 'f2', 'f3'];
  let recorder = new HistoryRecorder();
  let pauses = 0;

  const client = async (ctx: WorkloadContext, id: number): Promise<void> => {
    const rng = new Prng(ctx.seed * 1000 + 700 + id);
    const locks = new NodeCursor(ctx.nodes, id);
    const caches = new NodeCursor(ctx.nodes, id + 1);
    const keyUrl = (node: string, key: string) => `${ctx.url('cache', node)}/cache/${encodeURIComponent(key)}`;
    let seq = 0;

    /** One cache op through the client's node; a failure that proves nothing changed moves on to the next. */
    const cacheCall = async (
      h: OpHandle,
      args: Record<string, unknown>,
      method: string,
      key: string,
      body?: unknown,
    ) => {
      const { res, node } = await withFailover(
        caches,
        Date.now() + TIMEOUT_MS,
        (n, t) => httpJson(method, keyUrl(n, key), body, t),
        (r) => (provablyNotApplied(r) ? 'retry' : 'done'),
        ATTEMPT_TIMEOUT_MS,
      );
      // Attributed to the node that answered (a killed node's own writes may be forgiven).
      if (node !== args.node) recorder.amendArgs(h, { ...args, node });
      if (!(res.ok && res.status < 500)) caches.failed(node);
      return res;
    };

    const write = async (key: string, token: number): Promise<boolean> => {
      const value = { token, client: id, seq: seq++ };
      const args = { key, token, client: id, seq: value.seq, node: caches.current };
      const h = recorder.invoke(id, 'write', args);
      const res = await cacheCall(h, args, 'PUT', key, { value, fence: { token } });
      if (res.ok && res.status === 200) recorder.complete(h, 'ok');
      else if (res.ok && (res.status === 409 || res.status === 503))
        recorder.complete(h, 'fail', isRecord(res.body) && isRecord(res.body.error) ? res.body.error : res.body);
      else recorder.unknown(h, describeFailure(res));
      return res.ok && res.status < 500;
    };

    const read = async (key: string): Promise<void> => {
      const args = { key, node: caches.current };
      const h = recorder.invoke(id, 'read', args);
      const res = await cacheCall(h, args, 'GET', key);
      if (res.ok && res.status === 404) recorder.complete(h, 'ok', null);
      else if (res.ok && res.status === 200 && isRecord(res.body)) {
        const token = numberField(res.body.value, 'token');
        const fence = numberField(res.body.fence, 'token');
        recorder.complete(h, 'ok', {
          ...(token !== undefined ? { token } : {}),
          ...(fence !== undefined ? { fence } : {}),
        });
      } else if (res.ok && res.status === 503) recorder.complete(h, 'fail', res.body);
      else recorder.unknown(h, describeFailure(res));
    };

    for (let generation = 0; Date.now() < ctx.deadline; generation++) {
      const resource = rng.pick(resources);
      const owner = `fc${id}-${generation}`;
      const acquire = {
        resource,
        owner,
        ttlMs: LEASE_MS,
        waitMs: rng.int(0, ACQUIRE_WAIT_MS),
        requestId: `${owner}-acq`,
      };
      const acq = recorder.invoke(id, 'acquire', acquire);
      const { res } = await withFailover(
        locks,
        Date.now() + acquire.waitMs + TIMEOUT_MS,
        (node, t) => postJson(`${ctx.url('lock', node)}/lock/acquire`, acquire, t),
        (r: HttpResult) => (transient(r) ? 'retry' : 'done'),
        acquire.waitMs + ATTEMPT_TIMEOUT_MS,
      );
      const granted = res.ok && res.status === 200 ? res.body : undefined;
      const token = numberField(granted, 'fencingToken');
      if (token === undefined) {
        if (res.ok && res.status === 409) recorder.complete(acq, 'fail', res.body);
        else recorder.unknown(acq, describeFailure(res));
        await sleep(FAILURE_BACKOFF_MS + rng.below(FAILURE_BACKOFF_MS));
        continue;
      }
      recorder.complete(acq, 'ok', granted);
      const key = `fenced-${ctx.seed}-${resource}`;
      let healthy = true;
      for (let i = rng.int(1, WRITES_PER_GRANT); i > 0 && healthy && Date.now() < ctx.deadline; i--) {
        // A pause past the lease: the lock is someone else's by the time this write goes out.
        if (rng.chance(PAUSE_CHANCE)) {
          pauses++;
          await sleep(LEASE_MS + rng.int(50, PAUSE_EXTRA_MS));
        }
        healthy = await write(key, token);
        if (rng.chance(0.5)) await read(key);
      }
      // The lease may be gone already (404): either way the next holder may come.
      await postJson(`${ctx.url('lock', locks.current)}/lock/release`, { resource, owner }, ATTEMPT_TIMEOUT_MS);
      if (!healthy) await sleep(FAILURE_BACKOFF_MS + rng.below(FAILURE_BACKOFF_MS));
    }
  };

  const nodeOf = (op: HistoryOp): string | undefined =>
    isRecord(op.args) && typeof op.args.node === 'string' ? op.args.node : undefined;

  function verdict(faults: readonly FaultWindow[]): WorkloadVerdict {
    const history = recorder.history();
    const forgiven = forgiveFaultedNode(history, faults, {
      role: 'cache',
      nodeOf,
      flushIntervalMs,
      onsetMs: CACHE_LEASE_MS,
      slackMs: SLACK_MS,
    });
    const result = checkFencedHistory(forgiven.history);
    const { stats } = result;
    const summary = `${stats.accepted} fenced writes accepted, ${stats.refused} refused FENCED, ${stats.reads} reads on ${stats.keys} keys, ${pauses} pauses past a lease, ${stats.unknown} unknown; ${forgiven.forgiven} ops of faulted nodes forgiven`;
    return {
      workload: 'fenced-cache',
      ok: result.ok,
      anomalies: result.anomalies.length,
      ops: history.length,
      figures: {
        grants: countOps(history, 'acquire', 'ok'),
        accepted: stats.accepted,
        refused: stats.refused,
        reads: stats.reads,
        pauses,
        unknown: stats.unknown,
        forgiven: forgiven.forgiven,
      },
      details: result.ok
        ? `${summary}; no stale token accepted or read`
        : `${summary}\n${formatFencedAnomalies(result)}`,
    };
  }

  return {
    name: 'fenced-cache',
    async run(ctx: WorkloadContext) {
      recorder = new HistoryRecorder();
      pauses = 0;
      await Promise.all(Array.from({ length: clients }, (_, id) => client(ctx, id)));
      const h = recorder.history();
      ctx.log(
        `fenced-cache: ${h.length} ops (${countOps(h, 'acquire', 'ok')} grants, ${countOps(h, 'write', 'ok')} writes accepted, ${countOps(h, 'write', 'fail')} refused)`,
      );
    },
    verdict,
    history: () => recorder.history(),
  };
}

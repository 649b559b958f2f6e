// Cache workload: clients read, write and delete a few keys, each through one
// node until that node fails, then through the next (as DSS's client does; a
// request moves on only when the failure proves it changed nothing). Per key the three nodes must behave as one linearizable register
// (a delete writes null, a 404 reads null). A killed node may lose its own
// writes of the last flush interval (docs/cache.md), so those are forgiven
// before the linearizability check.
import {
  checkLinearizable,
  forgiveFaultedNode,
  HistoryRecorder,
  pruneRegisterHistory,
  registerModel,
  type HistoryOp,
  type OpHandle,
} from '../../support/history/index.js';
import { CACHE_LEASE_MS } from '../../../libs/cache/src/cache-limits.js';
import { Prng } from '../../support/prng.js';
import {
  describeFailure,
  httpJson,
  NodeCursor,
  provablyNotApplied,
  withFailover,
  type HttpResult,
} from './workload-http.js';
import { countOps, countUncertain, isRecord, sleep } from './workload-util.js';
import type { FaultWindow, Workload, WorkloadContext, WorkloadVerdict } from './workload-types.js';

export interface CacheWorkloadOptions {
  /** The cluster's write-back interval (DSS_CACHE_FLUSH_INTERVAL_MS). Default 200. */
  readonly flushIntervalMs?: number;
  readonly clients?: number;
}

const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'];
/**
 * Every client moves to a fresh set of keys this often (Jepsen's independent keys): a key's
 * history stays short, so the few operations whose outcome is unknown (a delete that timed
 * out may take effect at any later time) cannot make the linearizability search explode.
 */
const KEY_GENERATION_MS = 10_000;
const TIMEOUT_MS = 5000;
/** One attempt on one node before the client gives up on it. */
const ATTEMPT_TIMEOUT_MS = 3000;
const SLACK_MS = 500;
const MAX_STEPS = 5_000_000;
const FAILURE_BACKOFF_MS = 50;

export function createCacheWorkload(opts: CacheWorkloadOptions = {}): Workload {
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const clients = opts.clients ?? 9;
  let recorder = new HistoryRecorder();

  let started = 0;
  const client = async (ctx: WorkloadContext, id: number): Promise<void> => {
    const rng = new Prng(ctx.seed * 1000 + 400 + id);
    const cursor = new NodeCursor(ctx.nodes, id);
    const url = (node: string, key: string): string => `${ctx.url('cache', node)}/cache/${encodeURIComponent(key)}`;
    // 503 promises that nothing changed (no majority, memory down before the change,
    // docs/cache.md: nothing is half-applied), so the op may go on to the next node; 504
    // and network errors may hide a change: the op's outcome is unknown.
    let failed = false;
    const judge = (res: HttpResult) => (provablyNotApplied(res) ? 'retry' : 'done');
    const run = async (h: OpHandle, args: Record<string, unknown>, method: string, key: string, body?: unknown) => {
      const { res, node } = await withFailover(
        cursor,
        Date.now() + TIMEOUT_MS,
        (n, t) => httpJson(method, url(n, key), body, t),
        judge,
        ATTEMPT_TIMEOUT_MS,
      );
      // Every op is attributable to the node that answered it (a killed node's own writes may be forgiven).
      if (node !== args.node) recorder.amendArgs(h, { ...args, node });
      if (!(res.ok && res.status < 500)) cursor.failed(node);
      return res;
    };
    const settle = (h: OpHandle, res: HttpResult, ok: boolean, value?: unknown): void => {
      failed = !ok;
      if (ok) recorder.complete(h, 'ok', value);
      else if (res.ok && res.status === 503) recorder.complete(h, 'fail', res.body);
      else recorder.unknown(h, describeFailure(res));
    };
    for (let n = 0; Date.now() < ctx.deadline; n++) {
      const generation = Math.floor((Date.now() - started) / KEY_GENERATION_MS);
      const key = `c${ctx.seed}-g${generation}-${rng.pick(KEYS)}`;
      const roll = rng.next();
      const node = cursor.current;
      if (roll < 0.55) {
        const args = { key, node };
        const h = recorder.invoke(id, 'read', args);
        const res = await run(h, args, 'GET', key);
        const found = res.ok && res.status === 200 && isRecord(res.body) && 'value' in res.body;
        settle(h, res, found || (res.ok && res.status === 404), found && isRecord(res.body) ? res.body.value : null);
      } else if (roll < 0.93) {
        const value = `c${id}-${n}`;
        const args = { key, value, node };
        const h = recorder.invoke(id, 'write', args);
        const res = await run(h, args, 'PUT', key, { value });
        settle(h, res, res.ok && res.status === 200);
      } else {
        // A delete is a write of null: a later read answers 404.
        const args = { key, value: null, node };
        const h = recorder.invoke(id, 'write', args);
        const res = await run(h, args, 'DELETE', key);
        settle(h, res, res.ok && (res.status === 200 || res.status === 404));
      }
      // A client backs off when the cluster refuses, as a real one would.
      if (failed) await sleep(FAILURE_BACKOFF_MS + rng.below(FAILURE_BACKOFF_MS));
      else if (rng.chance(0.3)) await sleep(rng.below(5));
    }
  };

  function verdict(faults: readonly FaultWindow[]): WorkloadVerdict {
    const history = recorder.history();
    const forgiven = forgiveFaultedNode(history, faults, {
      role: 'cache',
      nodeOf: nodeOf,
      flushIntervalMs,
      onsetMs: CACHE_LEASE_MS,
      slackMs: SLACK_MS,
    });
    const pruned = pruneRegisterHistory(forgiven.history);
    const result = checkLinearizable(pruned.history, registerModel(null), { maxSteps: MAX_STEPS });
    const violations = result.partitions.filter((p) => p.status === 'violation').length;
    const writes = history.filter((op) => op.op === 'write');
    const deletes = writes.filter((op) => isRecord(op.args) && op.args.value === null).length;
    const forgivenNote = `${forgiven.forgiven} ops of faulted nodes forgiven (flush interval ${flushIntervalMs} ms before to lease ${CACHE_LEASE_MS} ms after each fault began, ± ${SLACK_MS} ms)`;
    const details =
      result.status === 'unknown'
        ? `linearizability UNDECIDED (step budget ${MAX_STEPS} exhausted), not a pass: ${result.message}; ${forgivenNote}`
        : `${result.message}; ${forgivenNote}`;
    return {
      workload: 'cache',
      ok: result.status === 'ok',
      anomalies: violations,
      ops: history.length,
      figures: {
        reads: countOps(history, 'read'),
        writes: writes.length - deletes,
        deletes,
        refused: history.filter((op) => op.outcome === 'fail').length,
        unknown: countUncertain(history),
        forgiven: forgiven.forgiven,
        pruned: pruned.pruned,
        settled: pruned.settled,
      },
      details,
    };
  }

  return {
    name: 'cache',
    async run(ctx) {
      recorder = new HistoryRecorder();
      started = Date.now();
      await Promise.all(Array.from({ length: clients }, (_, id) => client(ctx, id)));
      const h = recorder.history();
      ctx.log(
        `cache: ${h.length} ops (${countOps(h, 'read')} reads, ${countOps(h, 'write')} writes incl. deletes, ${countUncertain(h)} unknown)`,
      );
    },
    verdict,
    history: () => recorder.history(),
  };
}

function nodeOf(op: HistoryOp): string | undefined {
  return isRecord(op.args) && typeof op.args.node === 'string' ? op.args.node : undefined;
}

// Reads lock-service operations out of a generic history. Accepts the service's
// own result shapes (AcquireResult etc.) as recorded values, so a test can record
// the HTTP body as is. Operations other than acquire/release/renew are ignored.
import { isRecord } from './history-io.js';
import { effectEnd, formatOp, type HistoryOp } from './history-types.js';

export type LockMode = 'exclusive' | 'shared';

interface LockOpBase {
  readonly op: HistoryOp;
  readonly resource: string;
  readonly owner: string;
  readonly invokedAt: number;
  /** Completion for ok/fail, Infinity when the outcome is unknown. */
  readonly effectEnd: number;
}

export interface AcquireOp extends LockOpBase {
  readonly kind: 'acquire';
  readonly mode: LockMode;
  /** args.permits: N > 1 asks for one permit of a semaphore of N; 1 (absent) is a lock. */
  readonly permits: number;
  /** Lease TTL, the server's reply if it gave one, else the requested one. */
  readonly ttlMs: number;
  /** granted = ok with a token; refused = fail or ok with another status; maybe = unknown/pending. */
  readonly result: 'granted' | 'refused' | 'maybe';
  readonly fencingToken?: number;
}

export interface ReleaseOp extends LockOpBase {
  readonly kind: 'release';
  /** ended = ok (released or not_held: not held afterwards); none = fail; maybe = unknown. */
  readonly result: 'ended' | 'none' | 'maybe';
}

export interface RenewOp extends LockOpBase {
  readonly kind: 'renew';
  readonly ttlMs?: number;
  /** renewed = ok; notHeld = ok not_held (the lease had ended); none = fail; maybe = unknown. */
  readonly result: 'renewed' | 'notHeld' | 'none' | 'maybe';
  readonly fencingToken?: number;
}

export type LockOp = AcquireOp | ReleaseOp | RenewOp;

export function parseLockOps(history: readonly HistoryOp[]): LockOp[] {
  const out: LockOp[] = [];
  for (const op of history) {
    if (op.op !== 'acquire' && op.op !== 'release' && op.op !== 'renew') continue;
    const args = op.args;
    if (!isRecord(args) || typeof args.resource !== 'string' || typeof args.owner !== 'string') {
      throw new Error(`lock op needs args {resource, owner}: ${formatOp(op)}`);
    }
    const base = { op, resource: args.resource, owner: args.owner, invokedAt: op.invokedAt, effectEnd: effectEnd(op) };
    const value = isRecord(op.value) ? op.value : undefined;
    const status = typeof value?.status === 'string' ? value.status : undefined;
    const unknownOutcome = op.outcome === 'unknown' || op.outcome === 'pending';
    if (op.outcome === 'ok' && op.completedAt === undefined)
      throw new Error(`ok op without completion time: ${formatOp(op)}`);

    if (op.op === 'acquire') {
      const argMode = args.mode ?? 'exclusive';
      const mode = value?.mode ?? argMode;
      if ((mode !== 'exclusive' && mode !== 'shared') || typeof args.ttlMs !== 'number') {
        throw new Error(`acquire needs args {mode?: 'exclusive'|'shared', ttlMs: number}: ${formatOp(op)}`);
      }
      const ttlMs = typeof value?.ttlMs === 'number' ? value.ttlMs : args.ttlMs;
      const permits = args.permits ?? 1;
      if (typeof permits !== 'number' || !Number.isSafeInteger(permits) || permits < 1)
        throw new Error(`acquire args.permits must be a positive integer: ${formatOp(op)}`);
      const acq: Omit<AcquireOp, 'result'> = { ...base, kind: 'acquire', mode, ttlMs, permits };
      if (unknownOutcome) out.push({ ...acq, result: 'maybe' });
      else if (op.outcome === 'fail' || (status !== undefined && status !== 'granted'))
        out.push({ ...acq, result: 'refused' });
      else if (typeof value?.fencingToken === 'number')
        out.push({ ...acq, result: 'granted', fencingToken: value.fencingToken });
      else throw new Error(`granted acquire needs a value with a numeric fencingToken: ${formatOp(op)}`);
    } else if (op.op === 'release') {
      out.push({ ...base, kind: 'release', result: unknownOutcome ? 'maybe' : op.outcome === 'ok' ? 'ended' : 'none' });
    } else {
      const ttlMs =
        typeof value?.ttlMs === 'number' ? value.ttlMs : typeof args.ttlMs === 'number' ? args.ttlMs : undefined;
      const fencingToken = typeof value?.fencingToken === 'number' ? value.fencingToken : undefined;
      const result = unknownOutcome
        ? 'maybe'
        : op.outcome === 'fail'
          ? 'none'
          : status === 'not_held'
            ? 'notHeld'
            : 'renewed';
      out.push({
        ...base,
        kind: 'renew',
        result,
        ...(ttlMs === undefined ? {} : { ttlMs }),
        ...(fencingToken === undefined ? {} : { fencingToken }),
      });
    }
  }
  return out;
}

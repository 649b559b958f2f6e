// Sequential specifications for the linearizability checker.
import { isRecord } from './history-io.js';
import type { HistoryOp } from './history-types.js';
import type { LinOp, Model, StepResult } from './linearizability.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const keyOf = (op: HistoryOp, field: string): string => (isRecord(op.args) ? String(op.args[field]) : '');

/**
 * A register per key (the cache's per-key contract). Ops, args → ok value:
 * write {key, value}; read {key} → the value (unknown reads match anything);
 * cas {key, expected, value} → true/undefined if swapped, false if it saw another value;
 * getset {key, value} → the value it replaced (Redis's SET … GET);
 * incr {key, by} → the new number, the register holding integers as decimal strings
 * (Redis's INCRBY; an absent value counts as 0).
 */
export function registerModel(initial: unknown = null): Model<unknown> {
  return {
    name: 'register',
    init: () => initial,
    key: (state) => JSON.stringify(state) ?? 'undefined',
    partition: (op) => keyOf(op, 'key'),
    accepts: (op) => ['read', 'write', 'cas', 'getset', 'incr'].includes(op.op),
    step(state: unknown, op: LinOp): StepResult<unknown> {
      const args = isRecord(op.args) ? op.args : {};
      switch (op.op) {
        case 'write':
          return { ok: true, state: args.value };
        case 'read':
          return { ok: !op.known || same(op.value, state), state };
        case 'getset':
          return { ok: !op.known || same(op.value, state), state: args.value };
        case 'incr': {
          const base = state === null ? 0 : typeof state === 'string' && /^-?\d+$/.test(state) ? Number(state) : NaN;
          // Not a number: the real system refuses, so no increment can have happened here.
          if (Number.isNaN(base)) return { ok: !op.known, state };
          const next = base + Number(args.by);
          return { ok: !op.known || Number(op.value) === next, state: String(next) };
        }
        case 'cas': {
          const matches = same(args.expected, state);
          if (!op.known) return { ok: true, state: matches ? args.value : state };
          if (op.value === false) return { ok: !matches, state };
          return { ok: matches, state: matches ? args.value : state };
        }
        default:
          return { ok: false, state };
      }
    },
  };
}

export interface MutexState {
  readonly mode: 'free' | 'exclusive' | 'shared';
  /** Sorted, so equal states have equal cache keys. */
  readonly holders: readonly string[];
}

/**
 * A reader-writer mutex per resource, without leases (use it where no TTL runs
 * out during the test). acquire {resource, owner, mode?} → ok = granted (a value
 * with status other than 'granted' = refused because of a conflicting holder; a
 * holder re-acquiring in a covered mode is granted, a sole shared holder upgraded); release {resource, owner} → ok, value status
 * 'not_held' if the owner did not hold it.
 */
export function mutexModel(): Model<MutexState> {
  return {
    name: 'mutex',
    init: () => ({ mode: 'free', holders: [] }),
    key: (s) => `${s.mode}:${s.holders.join(',')}`,
    partition: (op) => keyOf(op, 'resource'),
    accepts: (op) => op.op === 'acquire' || op.op === 'release',
    step(s: MutexState, op: LinOp): StepResult<MutexState> {
      const args = isRecord(op.args) ? op.args : {};
      const owner = String(args.owner);
      const status = isRecord(op.value) ? op.value.status : undefined;
      const holds = s.holders.includes(owner);
      if (op.op === 'acquire') {
        const mode = args.mode === 'shared' ? 'shared' : 'exclusive';
        // A holder is re-granted when its mode covers the request; a sole shared holder asking
        // for exclusive is upgraded in place (both as the lock service's LockTable does).
        const covered = holds && (s.mode === 'exclusive' || mode === 'shared');
        const upgrade = holds && !covered && s.holders.length === 1;
        const grantable =
          covered || upgrade || s.mode === 'free' || (!holds && s.mode === 'shared' && mode === 'shared');
        const granted: MutexState = covered
          ? s
          : upgrade
            ? { mode: 'exclusive', holders: [owner] }
            : { mode, holders: [...s.holders, owner].sort() };
        if (!op.known) return { ok: true, state: grantable ? granted : s };
        if (status !== undefined && status !== 'granted') return { ok: !grantable, state: s };
        return { ok: grantable, state: granted };
      }
      const rest = s.holders.filter((h) => h !== owner);
      const released: MutexState = rest.length ? { mode: s.mode, holders: rest } : { mode: 'free', holders: [] };
      if (!op.known) return { ok: true, state: holds ? released : s };
      if (status === 'not_held') return { ok: !holds, state: s };
      return { ok: holds, state: released };
    },
  };
}

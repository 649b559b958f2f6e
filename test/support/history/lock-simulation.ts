// A correct lock service, simulated in virtual time, for property tests of the
// checkers: sequential clients issue random lock ops; each takes effect at one
// instant inside its invocation window (its linearization point) against a
// leased reader-writer lock table whose leases never expire early. Any history it
// produces must pass; mutations of it must not.
import { HistoryRecorder } from './history-recorder.js';
import type { HistoryOp } from './history-types.js';
import type { LockMode } from './lock-ops.js';

export interface SimStep {
  readonly client: number;
  readonly kind: 'acquire' | 'release' | 'renew';
  readonly resource: number;
  readonly mode: LockMode;
  readonly ttlMs: number;
  /** Think time before the invocation. */
  readonly delay: number;
  /** Invocation → linearization point. */
  readonly toApply: number;
  /** Linearization point → reply (or timeout). */
  readonly toReply: number;
  /** lostRequest: never applied, client times out; lostReply: applied, client times out. */
  readonly fate: 'ok' | 'lostRequest' | 'lostReply';
}

export interface SimOptions {
  /** Extra time a lease outlives its TTL (a new leader restarting lease clocks). Default 0. */
  readonly expiryLateness?: number;
}

interface Timed {
  readonly step: SimStep;
  readonly seq: number;
  readonly invokedAt: number;
  readonly appliedAt: number;
  readonly repliedAt: number;
}

interface Lease {
  owner: string;
  mode: LockMode;
  token: number;
  expiresAt: number;
}

type Reply =
  | { readonly outcome: 'ok' | 'fail'; readonly value: unknown }
  | { readonly outcome: 'unknown'; readonly reason: string };

export function simulateLockHistory(steps: readonly SimStep[], options: SimOptions = {}): HistoryOp[] {
  const lateness = options.expiryLateness ?? 0;
  // 1. Times: each client runs its steps back to back. A tiny per-op offset makes every instant distinct.
  const clock = new Map<number, number>();
  const timed: Timed[] = steps.map((step, seq) => {
    const eps = (seq + 1) * 1e-6;
    const invokedAt = (clock.get(step.client) ?? 0) + step.delay + eps;
    const appliedAt = invokedAt + step.toApply + eps / 3;
    const repliedAt = appliedAt + step.toReply + eps / 3;
    clock.set(step.client, repliedAt);
    return { step, seq, invokedAt, appliedAt, repliedAt };
  });

  // 2. The server applies ops in linearization order.
  const tables = new Map<number, Lease[]>();
  let nextToken = 0;
  const replies = new Map<number, Reply>();
  for (const t of [...timed].sort((a, b) => a.appliedAt - b.appliedAt)) {
    const { step } = t;
    const owner = `c${step.client}`;
    const leases = (tables.get(step.resource) ?? []).filter((l) => l.expiresAt > t.appliedAt);
    tables.set(step.resource, leases);
    const mine = leases.find((l) => l.owner === owner);
    let value: unknown;
    let outcome: 'ok' | 'fail' = 'ok';
    if (step.fate === 'lostRequest') {
      replies.set(t.seq, { outcome: 'unknown', reason: 'request lost' });
      continue;
    }
    if (step.kind === 'acquire') {
      if (mine && (mine.mode === 'exclusive' || step.mode === 'shared')) {
        // Held in a mode that covers the request: refresh, same token (as LockTable does).
        mine.expiresAt = t.appliedAt + step.ttlMs + lateness;
        value = { status: 'granted', fencingToken: mine.token, ttlMs: step.ttlMs, mode: mine.mode };
      } else if (mine && leases.length === 1) {
        // Sole shared holder asking for exclusive: upgraded in place with a new token and TTL.
        Object.assign(mine, { mode: 'exclusive', token: ++nextToken, expiresAt: t.appliedAt + step.ttlMs + lateness });
        value = { status: 'granted', fencingToken: mine.token, ttlMs: step.ttlMs, mode: 'exclusive' };
      } else if (mine) {
        outcome = 'fail';
        value = { status: 'locked' };
      } else if (leases.length === 0 || (step.mode === 'shared' && leases.every((l) => l.mode === 'shared'))) {
        const lease: Lease = {
          owner,
          mode: step.mode,
          token: ++nextToken,
          expiresAt: t.appliedAt + step.ttlMs + lateness,
        };
        leases.push(lease);
        value = { status: 'granted', fencingToken: lease.token, ttlMs: step.ttlMs, mode: step.mode };
      } else {
        outcome = 'fail';
        value = { status: 'locked' };
      }
    } else if (step.kind === 'release') {
      if (mine) leases.splice(leases.indexOf(mine), 1);
      value = { status: mine ? 'released' : 'not_held' };
    } else if (mine) {
      mine.expiresAt = t.appliedAt + step.ttlMs + lateness;
      value = { status: 'renewed', ttlMs: step.ttlMs, fencingToken: mine.token };
    } else {
      value = { status: 'not_held' };
    }
    replies.set(t.seq, step.fate === 'lostReply' ? { outcome: 'unknown', reason: 'reply lost' } : { outcome, value });
  }

  // 3. Replay invocations and replies in time order through a recorder on a virtual clock.
  let now = 0;
  const recorder = new HistoryRecorder(() => now);
  const events = timed.flatMap((t) => [
    { at: t.invokedAt, t, invoke: true },
    { at: t.repliedAt, t, invoke: false },
  ]);
  events.sort((a, b) => a.at - b.at);
  const handles = new Map<number, ReturnType<HistoryRecorder['invoke']>>();
  for (const e of events) {
    now = e.at;
    const { step } = e.t;
    if (e.invoke) {
      const args =
        step.kind === 'acquire'
          ? { resource: `r${step.resource}`, owner: `c${step.client}`, mode: step.mode, ttlMs: step.ttlMs }
          : step.kind === 'renew'
            ? { resource: `r${step.resource}`, owner: `c${step.client}`, ttlMs: step.ttlMs }
            : { resource: `r${step.resource}`, owner: `c${step.client}` };
      handles.set(e.t.seq, recorder.invoke(`c${step.client}`, step.kind, args));
      continue;
    }
    const handle = handles.get(e.t.seq);
    const reply = replies.get(e.t.seq);
    if (!handle || !reply) throw new Error('simulation lost an op');
    if (reply.outcome === 'unknown') recorder.unknown(handle, reply.reason);
    else recorder.complete(handle, reply.outcome, reply.value);
  }
  return [...recorder.history()];
}

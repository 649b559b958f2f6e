// Records what concurrent clients did, the Jepsen way, so a checker can decide
// afterwards whether some legal sequential order explains it. Times come from a
// monotonic clock: wall-clock steps would invent or hide real-time order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryOp, Outcome } from './history-types.js';
import { toJsonLines } from './history-io.js';

export type Clock = () => number;

/** Opaque ticket from `invoke`, handed back to `complete` or `unknown`. */
export interface OpHandle {
  readonly index: number;
}

/** How a settled promise maps onto the history; see `track`. */
export type Completion =
  | { readonly outcome: 'ok' | 'fail'; readonly value?: unknown }
  | { readonly outcome: 'unknown'; readonly reason: string };

export type Settled<T> =
  { readonly status: 'fulfilled'; readonly value: T } | { readonly status: 'rejected'; readonly error: unknown };

interface MutableOp {
  index: number;
  process: string;
  op: string;
  args: unknown;
  invokedAt: number;
  outcome: Outcome;
  completedAt?: number;
  value?: unknown;
  reason?: string;
}

export class HistoryRecorder {
  private readonly ops: MutableOp[] = [];

  constructor(private readonly clock: Clock = () => performance.now()) {}

  invoke(process: string | number, op: string, args: unknown): OpHandle {
    const entry: MutableOp = {
      index: this.ops.length,
      process: String(process),
      op,
      args: clone(args),
      invokedAt: this.clock(),
      outcome: 'pending',
    };
    this.ops.push(entry);
    return { index: entry.index };
  }

  /** Replaces what the op was invoked with, while it is open: e.g. the node that ended up serving it after a client's failover. */
  amendArgs(handle: OpHandle, args: unknown): void {
    this.open(handle).args = clone(args);
  }

  /** A definite answer: `ok` took effect, `fail` certainly did not. */
  complete(handle: OpHandle, outcome: 'ok' | 'fail', value?: unknown): void {
    const entry = this.open(handle);
    entry.completedAt = this.clock();
    entry.outcome = outcome;
    if (value !== undefined) entry.value = clone(value);
  }

  /** Timeout or network error: the operation may or may not have taken effect, now or later. */
  unknown(handle: OpHandle, reason: string): void {
    const entry = this.open(handle);
    entry.completedAt = this.clock();
    entry.outcome = 'unknown';
    entry.reason = reason;
  }

  /**
   * Invokes, awaits `fn` and records its outcome. By default a resolved value is
   * `ok` and a rejection is `unknown` (the safe reading of an error); pass
   * `classify` to turn definite refusals into `fail`. Rethrows rejections.
   */
  async track<T>(
    process: string | number,
    op: string,
    args: unknown,
    fn: () => Promise<T>,
    classify: (settled: Settled<T>) => Completion = defaultClassify,
  ): Promise<T> {
    const handle = this.invoke(process, op, args);
    let settled: Settled<T>;
    try {
      settled = { status: 'fulfilled', value: await fn() };
    } catch (error: unknown) {
      settled = { status: 'rejected', error };
    }
    const completion = classify(settled);
    if (completion.outcome === 'unknown') this.unknown(handle, completion.reason);
    else this.complete(handle, completion.outcome, completion.value);
    if (settled.status === 'rejected') throw settled.error;
    return settled.value;
  }

  /** A snapshot; still-open operations appear as `pending`. */
  history(): readonly HistoryOp[] {
    return this.ops.map((op) => Object.freeze({ ...op }));
  }

  toJsonLines(): string {
    return toJsonLines(this.history());
  }

  /** Writes the history as JSON lines (creating directories) and returns the path, for failure triage. */
  dump(path: string): string {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, this.toJsonLines());
    return path;
  }

  private open(handle: OpHandle): MutableOp {
    const entry = this.ops[handle.index];
    if (!entry) throw new Error(`no operation #${handle.index} in this history`);
    if (entry.outcome !== 'pending') throw new Error(`operation #${handle.index} already completed (${entry.outcome})`);
    return entry;
  }
}

function defaultClassify<T>(settled: Settled<T>): Completion {
  if (settled.status === 'fulfilled') return { outcome: 'ok', value: settled.value };
  return { outcome: 'unknown', reason: settled.error instanceof Error ? settled.error.message : String(settled.error) };
}

/** Histories must not change when the caller mutates the objects it passed in. */
function clone(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}

import type { Entry, StateMachine } from '@dss/raft';
import type { LockEvent, LockResult } from './state/lock-commands.js';
import { InvalidLockCommandError, LockTable, parseLockCommand } from './state/index.js';

export type LockListener = {
  /** Events of one applied entry, in order. */
  onEvents?(events: readonly LockEvent[]): void;
  /** The whole table was replaced from a snapshot. */
  onRestore?(): void;
};

/** A result for an entry that is not a valid command; every node computes the same. */
export type InvalidResult = { readonly status: 'invalid'; readonly message: string };

/**
 * The lock table as Raft's state machine: parses each entry, applies it, and
 * tells listeners what changed (parked requests, the leader's timers, metrics).
 */
export class LockStateMachine implements StateMachine {
  private current = new LockTable();
  private readonly listeners = new Set<LockListener>();

  get table(): LockTable {
    return this.current;
  }

  apply(entry: Entry): LockResult | InvalidResult {
    let command;
    try {
      command = parseLockCommand(entry.data);
    } catch (err) {
      // Deterministic on every node: an invalid entry changes nothing.
      if (err instanceof InvalidLockCommandError) return { status: 'invalid', message: err.message };
      throw err;
    }
    const { result, events } = this.current.apply(command, entry.index);
    if (events.length > 0) for (const l of this.listeners) l.onEvents?.(events);
    return result;
  }

  snapshot(): string {
    return this.current.snapshot();
  }

  restore(data: string): void {
    this.current = LockTable.restore(data);
    for (const l of this.listeners) l.onRestore?.();
  }

  subscribe(listener: LockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

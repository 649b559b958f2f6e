import type { CycleStep, LockCommand, LockResult } from './state/index.js';

/** One DEADLOCK refusal as GET /cluster shows it (`deadlocks`). */
export interface DeadlockRecord {
  /** When this node applied the refusal, ms since the epoch (this node's clock). */
  readonly when: number;
  /** The log entry that was refused: the same on every node, so records from two nodes can be matched. */
  readonly index: number;
  readonly owner: string;
  /** The resource the refusal names (a set's: the first of the cycle). */
  readonly resource: string;
  /** Everything the request asked for: the one resource, or every member of a set. */
  readonly resources: readonly string[];
  readonly cycle: readonly CycleStep[];
}

/**
 * The most recent DEADLOCK refusals, newest first, at most `max`: for operators
 * (docs/locks.md, "Recent deadlocks"). Not replicated state: each node records
 * what it applies, in memory, so it starts empty after a restart.
 */
export class DeadlockLog {
  private readonly records: DeadlockRecord[] = [];

  constructor(
    private readonly max: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Records `result` of `command` (log entry `index`) when it is a DEADLOCK refusal; ignores anything else. */
  observe(command: LockCommand, result: LockResult, index: number): void {
    if (result.status !== 'deadlock') return;
    if (command.op !== 'acquire' && command.op !== 'acquireSet') return;
    const resources = command.op === 'acquire' ? [command.resource] : command.locks.map((m) => m.resource);
    this.records.unshift({
      when: this.clock(),
      index,
      owner: command.owner,
      resource: result.resource,
      resources,
      cycle: result.cycle.map((s) => ({ owner: s.owner, resource: s.resource })),
    });
    if (this.records.length > this.max) this.records.length = this.max;
  }

  /** Newest first; copies. */
  recent(): DeadlockRecord[] {
    return this.records.map((r) => ({ ...r, resources: [...r.resources], cycle: r.cycle.map((s) => ({ ...s })) }));
  }
}

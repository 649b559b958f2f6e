// Test support, not exported: terse command builders and a table that numbers its own entries.
import type { AcquireCommand, ApplyOutcome, LockCommand, LockMode } from './lock-commands.js';
import { LockTable } from './lock-table.js';

export const TTL = 1000;
export const WAIT = 500;

export function acquire(
  resource: string,
  owner: string,
  mode: LockMode = 'exclusive',
  waitMs = 0,
  extra: Partial<AcquireCommand> = {},
): AcquireCommand {
  return { op: 'acquire', resource, owner, mode, ttlMs: TTL, waitMs, ...extra };
}
export const release = (resource: string, owner: string, requestId?: string): LockCommand =>
  requestId === undefined ? { op: 'release', resource, owner } : { op: 'release', resource, owner, requestId };

/** A LockTable fed consecutive log indexes (1, 2, ...), remembering the last one used. */
export class Driver {
  index = 0;
  constructor(public table: LockTable = new LockTable()) {}
  apply(command: LockCommand): ApplyOutcome {
    this.index++;
    return this.table.apply(command, this.index);
  }
}

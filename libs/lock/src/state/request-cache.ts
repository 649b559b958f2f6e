// Remembers the result of every command that carried a requestId, so a retry (the
// client resending after a timeout or a leader change) gets the first answer instead
// of being applied twice. Bounded: the oldest entry is forgotten first.
import type { LockCommand, LockResult } from './lock-commands.js';
import { MAX_REMEMBERED_REQUESTS } from './lock-limits.js';

export class RequestCache {
  private readonly results = new Map<string, LockResult>();

  /**
   * The cache key of a command, or null if it carries no requestId. Keyed by owner (so
   * two clients' ids never collide) and also by op and resource, so a requestId reused
   * for a different command is a new request rather than an answer of the wrong type.
   */
  static keyOf(command: LockCommand): string | null {
    if (command.op === 'expire' || command.op === 'cancelWait' || command.requestId === undefined) return null;
    return JSON.stringify([command.owner, command.requestId, command.op, targetOf(command)]);
  }

  static from(entries: ReadonlyArray<readonly [string, LockResult]>): RequestCache {
    const cache = new RequestCache();
    for (const [key, result] of entries) cache.remember(key, result);
    return cache;
  }

  get size(): number {
    return this.results.size;
  }

  get(key: string): LockResult | undefined {
    return this.results.get(key);
  }

  remember(key: string, result: LockResult): void {
    this.results.set(key, result);
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.results.size > MAX_REMEMBERED_REQUESTS) {
      this.results.delete(this.results.keys().next().value as string);
    }
  }

  /** Oldest first, as restore expects. */
  entries(): Array<[string, LockResult]> {
    return [...this.results];
  }
}

/** What a command acts on: its resource, or a set's resources in order. */
function targetOf(command: LockCommand): string | readonly string[] {
  switch (command.op) {
    case 'acquireSet':
      return command.locks.map((m) => m.resource);
    case 'releaseSet':
    case 'renewSet':
      return command.resources;
    default:
      return command.resource;
  }
}

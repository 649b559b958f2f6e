import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

// Identifiers the client makes up: idempotency keys and lock owners.

export const defaultNewId = (): string => randomUUID();

/** Longest owner the lock API accepts (docs/locks.md). */
const OWNER_MAX_LENGTH = 128;

/** A lock owner unique to this process and call: host, pid and a random suffix. */
export function defaultOwner(newId: () => string): string {
  const suffix = `-${process.pid}-${newId().slice(0, 8)}`;
  return hostname().slice(0, OWNER_MAX_LENGTH - suffix.length) + suffix;
}

// The table's snapshot format. Decoding checks every field that drives behaviour and the
// table's invariants, so a damaged snapshot fails loudly instead of seeding a node
// whose answers differ from its peers'.
import type { LockMode, LockResult } from './lock-commands.js';
import { MAX_PERMITS, MAX_SET_SIZE } from './lock-limits.js';
import { modesConflict } from './lock-modes.js';
import type { Holder, ResourceState, Waiter } from './resource-state.js';

/**
 * 3 added semaphores' `permits` and sets' waits (`set`); 1 is still read (it had neither).
 * 2 is skipped: it marks the state machine's snapshot that wraps this one with a Redis
 * topology (lock-state-machine.ts). A node that does not know a version refuses it loudly
 * rather than ignore fields that change answers.
 */
export const SNAPSHOT_VERSION = 3;
const READABLE_VERSIONS: readonly unknown[] = [1, SNAPSHOT_VERSION];

export class InvalidLockSnapshotError extends Error {
  constructor(message: string) {
    super(`invalid lock snapshot: ${message}`);
    this.name = 'InvalidLockSnapshotError';
  }
}

export interface TableState {
  /** Index of the last applied entry (0 = none). */
  readonly lastIndex: number;
  /** Highest fencing token ever issued (0 = none). */
  readonly highestToken: number;
  /** Insertion order is kept: the deadlock search visits in it. */
  readonly resources: ReadonlyMap<string, ResourceState>;
  /** Oldest first. */
  readonly requests: ReadonlyArray<readonly [string, LockResult]>;
}

interface Encoded {
  version: number;
  lastIndex: number;
  highestToken: number;
  resources: Array<[string, ResourceState]>;
  requests: Array<readonly [string, LockResult]>;
}

export function encodeSnapshot(state: TableState): string {
  const encoded: Encoded = {
    version: SNAPSHOT_VERSION,
    lastIndex: state.lastIndex,
    highestToken: state.highestToken,
    resources: [...state.resources],
    requests: [...state.requests],
  };
  return JSON.stringify(encoded);
}

type Obj = Readonly<Record<string, unknown>>;

export function decodeSnapshot(data: string): TableState {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (err) {
    throw new InvalidLockSnapshotError(`not JSON (${(err as Error).message})`);
  }
  const top = obj(raw, 'snapshot');
  if (!READABLE_VERSIONS.includes(top.version))
    throw new InvalidLockSnapshotError(`unsupported version ${JSON.stringify(top.version)}`);
  const lastIndex = int(top.lastIndex, 'lastIndex', 0);
  const highestToken = int(top.highestToken, 'highestToken', 0);
  const resources = new Map<string, ResourceState>();
  for (const entry of arr(top.resources, 'resources')) {
    const [name, rawState] = pair(entry, 'resources entry');
    if (resources.has(name)) throw new InvalidLockSnapshotError(`resource "${name}" appears twice`);
    resources.set(name, resourceState(name, rawState, highestToken, lastIndex));
  }
  checkSets(resources);
  const requests: Array<[string, LockResult]> = [];
  for (const entry of arr(top.requests, 'requests')) {
    const [key, result] = pair(entry, 'requests entry');
    if (typeof obj(result, `result of ${key}`).status !== 'string')
      throw new InvalidLockSnapshotError(`result of ${key} has no status`);
    requests.push([key, result as LockResult]);
  }
  return { lastIndex, highestToken, resources, requests };
}

function resourceState(name: string, raw: unknown, highestToken: number, lastIndex: number): ResourceState {
  const o = obj(raw, `resource "${name}"`);
  const permits = o.permits === undefined ? 1 : int(o.permits, `"${name}".permits`, 1, MAX_PERMITS);
  const holders = arr(o.holders, `"${name}".holders`).map((h): Holder => {
    const x = obj(h, `holder of "${name}"`);
    return {
      owner: str(x.owner, 'holder owner'),
      mode: mode(x.mode),
      fencingToken: int(x.fencingToken, 'fencingToken', 1, highestToken),
      ttlMs: int(x.ttlMs, 'ttlMs', 1),
      leaseIndex: int(x.leaseIndex, 'leaseIndex', 1, lastIndex),
    };
  });
  const waiters = arr(o.waiters, `"${name}".waiters`).map((w): Waiter => {
    const x = obj(w, `waiter of "${name}"`);
    const waiter = {
      owner: str(x.owner, 'waiter owner'),
      mode: mode(x.mode),
      waitId: int(x.waitId, 'waitId', 1, lastIndex),
      waitMs: int(x.waitMs, 'waitMs', 1),
      ttlMs: int(x.ttlMs, 'ttlMs', 1),
    };
    if (x.set === undefined) return waiter;
    const set = arr(x.set, `set of a waiter of "${name}"`).map((m) => str(m, 'set member'));
    if (set.length > MAX_SET_SIZE || !set.includes(name) || new Set(set).size !== set.length)
      throw new InvalidLockSnapshotError(`a set waiter of "${name}" has a bad member list`);
    return { ...waiter, set };
  });
  if (holders.length === 0 && waiters.length === 0) throw new InvalidLockSnapshotError(`resource "${name}" is empty`);
  if (permits > 1 && (holders.length > permits || holders.some((h) => h.mode !== 'exclusive')))
    throw new InvalidLockSnapshotError(`semaphore "${name}" has more holders than permits, or a shared one`);
  for (let i = 0; i < holders.length; i++) {
    for (let j = i + 1; j < holders.length; j++) {
      const conflict = permits === 1 && modesConflict(holders[i].mode, holders[j].mode);
      if (holders[i].owner === holders[j].owner || conflict) {
        throw new InvalidLockSnapshotError(`resource "${name}" has conflicting holders`);
      }
    }
  }
  for (let i = 1; i < waiters.length; i++) {
    if (waiters[i].waitId <= waiters[i - 1].waitId)
      throw new InvalidLockSnapshotError(`resource "${name}" has waiters out of order`);
  }
  if (new Set(waiters.map((w) => w.owner)).size !== waiters.length) {
    throw new InvalidLockSnapshotError(`resource "${name}" has two waits by one owner`);
  }
  return { permits, holders, waiters };
}

/** Every member a set's wait names holds that same wait (owner, waitId, members). */
function checkSets(resources: ReadonlyMap<string, ResourceState>): void {
  for (const [name, state] of resources) {
    for (const w of state.waiters) {
      for (const member of w.set ?? []) {
        const twin = resources.get(member)?.waiters.find((t) => t.waitId === w.waitId && t.owner === w.owner);
        if (!twin || JSON.stringify(twin.set) !== JSON.stringify(w.set))
          throw new InvalidLockSnapshotError(`the set wait ${w.waitId} of "${name}" is missing from "${member}"`);
      }
    }
  }
}

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InvalidLockSnapshotError(`${what} must be an object`);
  return v as Obj;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new InvalidLockSnapshotError(`${what} must be an array`);
  return v;
}

function pair(v: unknown, what: string): [string, unknown] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string')
    throw new InvalidLockSnapshotError(`${what} must be [string, value]`);
  return [v[0], v[1]];
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidLockSnapshotError(`${what} must be a non-empty string`);
  return v;
}

function int(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidLockSnapshotError(`${what} must be an integer in ${min}..${max}`);
  }
  return v;
}

function mode(v: unknown): LockMode {
  if (v !== 'exclusive' && v !== 'shared') throw new InvalidLockSnapshotError(`mode must be "exclusive" or "shared"`);
  return v;
}

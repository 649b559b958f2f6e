// The table's snapshot format. Decoding checks every field that drives behaviour and the
// table's invariants, so a damaged snapshot fails loudly instead of seeding a node
// whose answers differ from its peers'.
import type { LockMode, LockResult } from './lock-commands.js';
import { modesConflict } from './lock-modes.js';
import type { Holder, ResourceState, Waiter } from './resource-state.js';

export const SNAPSHOT_VERSION = 1;

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
  if (top.version !== SNAPSHOT_VERSION)
    throw new InvalidLockSnapshotError(`unsupported version ${JSON.stringify(top.version)}`);
  const lastIndex = int(top.lastIndex, 'lastIndex', 0);
  const highestToken = int(top.highestToken, 'highestToken', 0);
  const resources = new Map<string, ResourceState>();
  for (const entry of arr(top.resources, 'resources')) {
    const [name, rawState] = pair(entry, 'resources entry');
    if (resources.has(name)) throw new InvalidLockSnapshotError(`resource "${name}" appears twice`);
    resources.set(name, resourceState(name, rawState, highestToken, lastIndex));
  }
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
    return {
      owner: str(x.owner, 'waiter owner'),
      mode: mode(x.mode),
      waitId: int(x.waitId, 'waitId', 1, lastIndex),
      waitMs: int(x.waitMs, 'waitMs', 1),
      ttlMs: int(x.ttlMs, 'ttlMs', 1),
    };
  });
  if (holders.length === 0 && waiters.length === 0) throw new InvalidLockSnapshotError(`resource "${name}" is empty`);
  for (let i = 0; i < holders.length; i++) {
    for (let j = i + 1; j < holders.length; j++) {
      if (holders[i].owner === holders[j].owner || modesConflict(holders[i].mode, holders[j].mode)) {
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
  return { holders, waiters };
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

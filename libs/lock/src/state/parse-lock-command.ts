// The trust boundary for log entries: a corrupt or hostile entry is rejected as a
// whole with a clear message before anything is applied. Unknown fields are refused
// rather than ignored, so a command no node fully understands never applies partly.
import type { LockCommand, LockMode, SetMember } from './lock-commands.js';
import { MAX_NAME_LENGTH, MAX_PERMITS, MAX_REQUEST_ID_LENGTH, MAX_SET_SIZE } from './lock-limits.js';

export class InvalidLockCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLockCommandError';
  }
}

type Fields = Readonly<Record<string, unknown>>;

const FIELDS: Readonly<Record<LockCommand['op'], readonly string[]>> = {
  acquire: ['op', 'resource', 'owner', 'mode', 'ttlMs', 'waitMs', 'permits', 'requestId'],
  release: ['op', 'resource', 'owner', 'requestId'],
  renew: ['op', 'resource', 'owner', 'ttlMs', 'requestId'],
  expire: ['op', 'resource', 'owner', 'leaseIndex'],
  cancelWait: ['op', 'resource', 'owner', 'waitId'],
  acquireSet: ['op', 'owner', 'locks', 'ttlMs', 'waitMs', 'requestId'],
  releaseSet: ['op', 'owner', 'resources', 'requestId'],
  renewSet: ['op', 'owner', 'resources', 'ttlMs', 'requestId'],
};

const MEMBER_FIELDS = ['resource', 'mode', 'permits'];

/** Parses one log entry's JSON into a command; throws InvalidLockCommandError on anything else. */
export function parseLockCommand(json: string): LockCommand {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new InvalidLockCommandError(`lock command is not JSON: ${(err as Error).message}`);
  }
  return validateLockCommand(value);
}

/** Checks an already-decoded value and returns a clean copy holding only the known fields. */
export function validateLockCommand(value: unknown): LockCommand {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidLockCommandError('lock command must be a JSON object');
  }
  const v = value as Fields;
  const op = v.op;
  if (typeof op !== 'string' || !Object.hasOwn(FIELDS, op)) {
    throw new InvalidLockCommandError(`unknown lock command op ${JSON.stringify(op)}`);
  }
  const known = FIELDS[op as LockCommand['op']];
  for (const key of Object.keys(v)) {
    if (!known.includes(key)) throw new InvalidLockCommandError(`${op}: unexpected field "${key}"`);
  }
  const owner = name(v, op, 'owner');
  switch (op as LockCommand['op']) {
    case 'acquireSet':
      return withRequestId(v, op, {
        op: 'acquireSet',
        owner,
        locks: members(v, op),
        ttlMs: integer(v, op, 'ttlMs', 1),
        waitMs: integer(v, op, 'waitMs', 0),
      });
    case 'releaseSet':
      return withRequestId(v, op, { op: 'releaseSet', owner, resources: resourceList(v, op) });
    case 'renewSet': {
      const base = { op: 'renewSet' as const, owner, resources: resourceList(v, op) };
      return withRequestId(v, op, v.ttlMs === undefined ? base : { ...base, ttlMs: integer(v, op, 'ttlMs', 1) });
    }
  }
  const resource = name(v, op, 'resource');
  switch (op as Exclude<LockCommand['op'], 'acquireSet' | 'releaseSet' | 'renewSet'>) {
    case 'acquire':
      return withRequestId(v, op, {
        op: 'acquire',
        resource,
        owner,
        ...modeAndPermits(v, op),
        ttlMs: integer(v, op, 'ttlMs', 1),
        waitMs: integer(v, op, 'waitMs', 0),
      });
    case 'release':
      return withRequestId(v, op, { op: 'release', resource, owner });
    case 'renew': {
      const base = { op: 'renew' as const, resource, owner };
      return withRequestId(v, op, v.ttlMs === undefined ? base : { ...base, ttlMs: integer(v, op, 'ttlMs', 1) });
    }
    case 'expire':
      return { op: 'expire', resource, owner, leaseIndex: integer(v, op, 'leaseIndex', 1) };
    case 'cancelWait':
      return { op: 'cancelWait', resource, owner, waitId: integer(v, op, 'waitId', 1) };
  }
}

function name(v: Fields, op: string, field: string): string {
  return nameValue(v[field], op, field);
}

function nameValue(s: unknown, op: string, field: string): string {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_NAME_LENGTH) {
    throw new InvalidLockCommandError(`${op}: "${field}" must be a string of 1..${MAX_NAME_LENGTH} characters`);
  }
  return s;
}

function lockMode(v: Fields, op: string): LockMode {
  const m = v.mode;
  if (m !== 'exclusive' && m !== 'shared') {
    throw new InvalidLockCommandError(`${op}: "mode" must be "exclusive" or "shared"`);
  }
  return m;
}

/** A mode and, for a semaphore, its permits (absent when 1: a lock). A semaphore is exclusive only. */
function modeAndPermits(v: Fields, op: string): { mode: LockMode; permits?: number } {
  const mode = lockMode(v, op);
  if (v.permits === undefined) return { mode };
  const permits = integer(v, op, 'permits', 1, MAX_PERMITS);
  if (permits > 1 && mode !== 'exclusive')
    throw new InvalidLockCommandError(`${op}: a semaphore (permits > 1) has no shared mode`);
  return permits === 1 ? { mode } : { mode, permits };
}

function members(v: Fields, op: string): SetMember[] {
  const list = v.locks;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SET_SIZE)
    throw new InvalidLockCommandError(`${op}: "locks" must be an array of 1..${MAX_SET_SIZE} members`);
  const out = list.map((m: unknown): SetMember => {
    if (typeof m !== 'object' || m === null || Array.isArray(m))
      throw new InvalidLockCommandError(`${op}: each member of "locks" must be an object`);
    const f = m as Fields;
    for (const key of Object.keys(f)) {
      if (!MEMBER_FIELDS.includes(key)) throw new InvalidLockCommandError(`${op}: unexpected member field "${key}"`);
    }
    return { resource: name(f, op, 'resource'), ...modeAndPermits(f, op) };
  });
  distinct(
    out.map((m) => m.resource),
    op,
  );
  return out;
}

function resourceList(v: Fields, op: string): string[] {
  const list = v.resources;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SET_SIZE)
    throw new InvalidLockCommandError(`${op}: "resources" must be an array of 1..${MAX_SET_SIZE} names`);
  const out = list.map((s: unknown) => nameValue(s, op, 'resources'));
  distinct(out, op);
  return out;
}

function distinct(resources: readonly string[], op: string): void {
  if (new Set(resources).size !== resources.length)
    throw new InvalidLockCommandError(`${op}: a resource is named twice`);
}

function integer(v: Fields, op: string, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = v[field];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new InvalidLockCommandError(`${op}: "${field}" must be an integer ${range}`);
  }
  return n;
}

function withRequestId<T extends LockCommand>(v: Fields, op: string, command: T): T {
  const id = v.requestId;
  if (id === undefined) return command;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_REQUEST_ID_LENGTH) {
    throw new InvalidLockCommandError(`${op}: "requestId" must be a string of 1..${MAX_REQUEST_ID_LENGTH} characters`);
  }
  return { ...command, requestId: id };
}

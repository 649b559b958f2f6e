// The trust boundary for log entries: a corrupt or hostile entry is rejected as a
// whole with a clear message before anything is applied. Unknown fields are refused
// rather than ignored, so a command no node fully understands never applies partly.
import type { LockCommand, LockMode } from './lock-commands.js';
import { MAX_NAME_LENGTH, MAX_REQUEST_ID_LENGTH } from './lock-limits.js';

export class InvalidLockCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidLockCommandError';
  }
}

type Fields = Readonly<Record<string, unknown>>;

const FIELDS: Readonly<Record<LockCommand['op'], readonly string[]>> = {
  acquire: ['op', 'resource', 'owner', 'mode', 'ttlMs', 'waitMs', 'requestId'],
  release: ['op', 'resource', 'owner', 'requestId'],
  renew: ['op', 'resource', 'owner', 'ttlMs', 'requestId'],
  expire: ['op', 'resource', 'owner', 'leaseIndex'],
  cancelWait: ['op', 'resource', 'owner', 'waitId'],
};

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
  const resource = name(v, op, 'resource');
  const owner = name(v, op, 'owner');
  switch (op as LockCommand['op']) {
    case 'acquire':
      return withRequestId(v, op, {
        op: 'acquire',
        resource,
        owner,
        mode: lockMode(v, op),
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
  const s = v[field];
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

function integer(v: Fields, op: string, field: string, min: number): number {
  const n = v[field];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidLockCommandError(`${op}: "${field}" must be an integer >= ${min}`);
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

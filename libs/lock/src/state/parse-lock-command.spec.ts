// Log entries are untrusted bytes: parseLockCommand accepts exactly the contract's shapes
// and refuses everything else with InvalidLockCommandError, and a refused entry changes nothing.
import fc from 'fast-check';
import type { LockCommand } from './lock-commands.js';
import { MAX_NAME_LENGTH } from './lock-limits.js';
import { LockTable } from './lock-table.js';
import { InvalidLockCommandError, parseLockCommand, validateLockCommand } from './parse-lock-command.js';

const valid: LockCommand[] = [
  { op: 'acquire', resource: 'r', owner: 'a', mode: 'exclusive', ttlMs: 1000, waitMs: 0 },
  { op: 'acquire', resource: 'r', owner: 'a', mode: 'shared', ttlMs: 1, waitMs: 50, requestId: 'x' },
  { op: 'release', resource: 'r', owner: 'a' },
  { op: 'release', resource: 'r', owner: 'a', requestId: 'x' },
  { op: 'renew', resource: 'r', owner: 'a' },
  { op: 'renew', resource: 'r', owner: 'a', ttlMs: 5, requestId: 'y' },
  { op: 'expire', resource: 'r', owner: 'a', leaseIndex: 3 },
  { op: 'cancelWait', resource: 'r', owner: 'a', waitId: 9 },
];

describe('parseLockCommand', () => {
  it.each(valid.map((c) => [c.op, c] as const))('round-trips a valid %s', (_op, c) => {
    expect(parseLockCommand(JSON.stringify(c))).toEqual(c);
  });

  it.each([
    ['not JSON', '{op:', /not JSON/],
    ['an array', '[]', /JSON object/],
    ['null', 'null', /JSON object/],
    ['an unknown op', '{"op":"steal","resource":"r","owner":"a"}', /unknown lock command op "steal"/],
    ['an inherited op name', '{"op":"toString","resource":"r","owner":"a"}', /unknown lock command op/],
    ['a missing owner', '{"op":"release","resource":"r"}', /"owner" must be a string/],
    ['an empty resource', '{"op":"release","resource":"","owner":"a"}', /"resource" must be a string/],
    [
      'a too long owner',
      JSON.stringify({ op: 'release', resource: 'r', owner: 'o'.repeat(MAX_NAME_LENGTH + 1) }),
      /"owner"/,
    ],
    ['a bad mode', '{"op":"acquire","resource":"r","owner":"a","mode":"read","ttlMs":1,"waitMs":0}', /"mode"/],
    [
      'a zero ttl',
      '{"op":"acquire","resource":"r","owner":"a","mode":"shared","ttlMs":0,"waitMs":0}',
      /"ttlMs" must be an integer >= 1/,
    ],
    [
      'a negative wait',
      '{"op":"acquire","resource":"r","owner":"a","mode":"shared","ttlMs":1,"waitMs":-1}',
      /"waitMs"/,
    ],
    ['a fractional ttl', '{"op":"renew","resource":"r","owner":"a","ttlMs":1.5}', /"ttlMs"/],
    ['a string index', '{"op":"expire","resource":"r","owner":"a","leaseIndex":"3"}', /"leaseIndex"/],
    ['an unsafe integer', '{"op":"cancelWait","resource":"r","owner":"a","waitId":1e300}', /"waitId"/],
    ['an empty requestId', '{"op":"release","resource":"r","owner":"a","requestId":""}', /"requestId"/],
    [
      'a requestId on expire',
      '{"op":"expire","resource":"r","owner":"a","leaseIndex":1,"requestId":"x"}',
      /unexpected field "requestId"/,
    ],
    ['an extra field', '{"op":"release","resource":"r","owner":"a","force":true}', /unexpected field "force"/],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseLockCommand(json)).toThrow(InvalidLockCommandError);
    expect(() => parseLockCommand(json)).toThrow(message);
  });

  it('returns a clean copy, not the caller object', () => {
    const c = { op: 'release', resource: 'r', owner: 'a' } as const;
    expect(validateLockCommand(c)).not.toBe(c);
  });

  it('anything hostile either applies as a valid command or throws InvalidLockCommandError having changed nothing', () => {
    const table = new LockTable();
    table.apply({ op: 'acquire', resource: 'r', owner: 'a', mode: 'shared', ttlMs: 5, waitMs: 0 }, 1);
    let index = 1;
    const fieldArb = fc.oneof(
      fc.constantFrom('r', 'a', '', 'exclusive', 'shared', 0, 1, -1, 2.5, null, true),
      fc.jsonValue(),
    );
    const keyArb = fc.constantFrom(
      'resource',
      'owner',
      'mode',
      'ttlMs',
      'waitMs',
      'requestId',
      'leaseIndex',
      'waitId',
      'x',
    );
    const opArb = fc.constantFrom('acquire', 'release', 'renew', 'expire', 'cancelWait');
    const entryArb = fc.oneof(
      fc.jsonValue(),
      fc.tuple(opArb, fc.dictionary(keyArb, fieldArb)).map(([op, fields]) => ({ ...fields, op })),
    );
    fc.assert(
      fc.property(entryArb, (entry) => {
        const json = JSON.stringify(entry) ?? 'undefined';
        let parsed: LockCommand | null = null;
        try {
          parsed = parseLockCommand(json);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidLockCommandError);
        }
        // The table re-validates typed input too: the same verdict, and no change on refusal.
        const before = table.snapshot();
        index++;
        try {
          table.apply(entry as unknown as LockCommand, index);
          expect(parsed).not.toBeNull();
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidLockCommandError);
          expect(parsed).toBeNull();
          expect(table.snapshot()).toBe(before);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

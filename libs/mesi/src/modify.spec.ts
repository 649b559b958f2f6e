// Read-modify-write (INCR, SET NX, EXPIRE) and the value a delete removes (GETDEL): the
// line runs a modify at once when it owns the line, asks for ownership *with the data*
// (getMD) otherwise, and the directory reads memory's value with the new version. The
// simulation (mesi-simulation.spec.ts) checks that a modify always sees the newest write.
import { INVALID_LINE, stepLine, type Line, type Modify } from './cache-line.js';
import { EMPTY_ENTRY, stepDirectory, type DirEntry, type DirStep } from './directory.js';
import { ProtocolError, type ForwardReply } from './protocol-types.js';

const append: Modify = (current) => `${current ?? ''}+1`;
const keep: Modify = () => undefined;
const line = (held: Line['held'], dirty = false): Line => ({
  held,
  ...(held === 'I' ? {} : { value: 'v' }),
  version: 5,
  dirty,
  writes: 3,
});

describe('a line running a modify', () => {
  it.each(['M', 'E'] as const)('owning the line (%s), modifies it here without traffic', (held) => {
    const out = stepLine(line(held), { type: 'modify', fn: append });
    expect(out.line).toEqual({ held: 'M', value: 'v+1', version: 5, dirty: true, writes: 4 });
    expect(out.actions).toEqual([{ type: 'answer', result: { op: 'modify', state: 'M' } }]);
  });

  it('owning the line, leaves it as it was when the modify changes nothing', () => {
    const out = stepLine(line('E'), { type: 'modify', fn: keep });
    expect(out.line).toEqual(line('E'));
    expect(out.actions).toEqual([{ type: 'answer', result: { op: 'modify', state: 'E' } }]);
  });

  it.each([
    ['S', { shared: true }],
    ['I', {}],
  ] as const)('holding %s, asks the home for ownership with the data and does not run the modify yet', (held, says) => {
    let ran = false;
    const out = stepLine(line(held), { type: 'modify', fn: () => ((ran = true), 'x') });
    expect(out.actions).toEqual([{ type: 'request', kind: 'getMD', ...says }]);
    expect(out.line.pending?.kind).toBe('modify');
    expect(ran).toBe(false);
  });

  it('runs the modify on its own shared copy when the grant brings no value (the home found the copy current)', () => {
    const pending = stepLine(line('S'), { type: 'modify', fn: append }).line;
    const out = stepLine(pending, { type: 'grant', grant: { kind: 'write', version: 9 } });
    expect(out.line).toEqual({ held: 'M', value: 'v+1', version: 9, dirty: true, writes: 4 });
    expect(out.actions).toEqual([{ type: 'answer', result: { op: 'modify', state: 'M' } }, { type: 'unblock' }]);
  });

  it('runs the modify on the value the grant brings, not on its own (possibly overwritten) copy', () => {
    const pending = stepLine(line('S'), { type: 'modify', fn: append }).line;
    // Another node wrote meanwhile: the home invalidated this copy before granting.
    const invalidated = stepLine(pending, { type: 'forward', kind: 'invalidate' }).line;
    const out = stepLine(invalidated, { type: 'grant', grant: { kind: 'write', version: 9, current: { value: 'w' } } });
    expect(out.line).toEqual({ held: 'M', value: 'w+1', version: 9, dirty: true, writes: 4 });
    expect(out.actions).toEqual([{ type: 'answer', result: { op: 'modify', state: 'M' } }, { type: 'unblock' }]);
  });

  it('keeps the granted value clean when the modify changes nothing, and holds nothing when there is no value', () => {
    const pending = stepLine(INVALID_LINE, { type: 'modify', fn: keep }).line;
    const present = stepLine(pending, { type: 'grant', grant: { kind: 'write', version: 9, current: { value: 'w' } } });
    expect(present.line).toEqual({ held: 'M', value: 'w', version: 9, dirty: false, writes: 0 });
    const absent = stepLine(pending, { type: 'grant', grant: { kind: 'write', version: 9, current: {} } });
    expect(absent.line).toEqual({ held: 'I', version: 0, dirty: false, writes: 0 });
    expect(absent.actions).toEqual([{ type: 'answer', result: { op: 'modify', state: 'I' } }, { type: 'unblock' }]);
  });

  it('refuses a write grant without the data when it holds no shared copy (a home that answered getMD like getM)', () => {
    const pending = stepLine(INVALID_LINE, { type: 'modify', fn: append }).line;
    expect(() => stepLine(pending, { type: 'grant', grant: { kind: 'write', version: 9 } })).toThrow(ProtocolError);
    // A shared copy invalidated while the request waited is no base for the modify either.
    const shared = stepLine(line('S'), { type: 'modify', fn: append }).line;
    const invalidated = stepLine(shared, { type: 'forward', kind: 'invalidate' }).line;
    expect(() => stepLine(invalidated, { type: 'grant', grant: { kind: 'write', version: 9 } })).toThrow(ProtocolError);
  });
});

describe('the value a delete removes', () => {
  it("is the requester's own dirty data when it owned the line", () => {
    const pending = stepLine(line('M', true), { type: 'delete' }).line;
    const out = stepLine(pending, { type: 'grant', grant: { kind: 'delete', existed: true, value: 'older' } });
    expect(out.actions[0]).toEqual({ type: 'answer', result: { op: 'delete', existed: true, value: 'v' } });
  });

  it("is the home's otherwise, and absent when there was none", () => {
    const pending = stepLine(line('S'), { type: 'delete' }).line;
    expect(
      stepLine(pending, { type: 'grant', grant: { kind: 'delete', existed: true, value: 'w' } }).actions[0],
    ).toEqual({ type: 'answer', result: { op: 'delete', existed: true, value: 'w' } });
    expect(stepLine(pending, { type: 'grant', grant: { kind: 'delete', existed: false } }).actions[0]).toEqual({
      type: 'answer',
      result: { op: 'delete', existed: false },
    });
  });
});

/** The directory after `from` answered transaction `txn`'s forward with `reply`. */
const replied = (step: DirStep, txn: string, from: string, reply: ForwardReply): DirStep =>
  stepDirectory(step.entry, { type: 'reply', txn, from, reply });

describe('the directory serving getMD', () => {
  const req = { txn: 't1', from: 'node1', kind: 'getMD' } as const;

  it('invalidates the owner, reads memory with the new version, and grants ownership with that value', () => {
    const owned: DirEntry = { owner: 'node2', sharers: [], version: 3, queue: [] };
    let step = stepDirectory(owned, { type: 'request', req });
    expect(step.actions).toEqual([{ type: 'forward', txn: 't1', to: 'node2', kind: 'invalidate' }]);
    // The old owner's dirty data goes to memory first, so memory's value is the newest.
    step = replied(step, 't1', 'node2', { held: 'M', value: 'new', version: 4, dirty: true });
    expect(step.actions).toEqual([{ type: 'writeMemory', txn: 't1', value: 'new', version: 4 }]);
    step = stepDirectory(step.entry, { type: 'memoryWritten', txn: 't1' });
    expect(step.actions).toEqual([{ type: 'allocateVersion', txn: 't1', withValue: true }]);
    step = stepDirectory(step.entry, { type: 'versionAllocated', txn: 't1', version: 7, current: { value: 'new' } });
    expect(step.actions).toEqual([
      { type: 'grant', txn: 't1', to: 'node1', grant: { kind: 'write', version: 7, current: { value: 'new' } } },
    ]);
    expect(step.entry.owner).toBe('node1');
  });

  it('leaves memory unread for a requester still listed among the sharers that says it holds S', () => {
    const shared: DirEntry = { sharers: ['node1', 'node3'], version: 3, queue: [] };
    let step = stepDirectory(shared, { type: 'request', req: { ...req, shared: true } });
    expect(step.actions).toEqual([{ type: 'forward', txn: 't1', to: 'node3', kind: 'invalidate' }]);
    step = replied(step, 't1', 'node3', { held: 'S', value: 'v', version: 3, dirty: false });
    expect(step.actions).toEqual([{ type: 'allocateVersion', txn: 't1' }]);
    step = stepDirectory(step.entry, { type: 'versionAllocated', txn: 't1', version: 7 });
    expect(step.actions).toEqual([{ type: 'grant', txn: 't1', to: 'node1', grant: { kind: 'write', version: 7 } }]);
    expect(step.entry).toMatchObject({ owner: 'node1', sharers: [] });
  });

  it('reads memory for a requester that says it holds S but is no longer listed (an earlier writer invalidated it)', () => {
    // node2's write ran first and took node1's copy; node1's request, sent while it held S, waited.
    const owned: DirEntry = { owner: 'node2', sharers: [], version: 4, queue: [] };
    let step = stepDirectory(owned, { type: 'request', req: { ...req, shared: true } });
    expect(step.actions).toEqual([{ type: 'forward', txn: 't1', to: 'node2', kind: 'invalidate' }]);
    step = replied(step, 't1', 'node2', { held: 'M', value: 'newer', version: 4, dirty: false });
    expect(step.actions).toEqual([{ type: 'allocateVersion', txn: 't1', withValue: true }]);
    const listedNowhere = stepDirectory(EMPTY_ENTRY, { type: 'request', req: { ...req, shared: true } });
    expect(listedNowhere.actions).toEqual([{ type: 'allocateVersion', txn: 't1', withValue: true }]);
  });

  it('refuses a version allocated without the value', () => {
    const step = stepDirectory(EMPTY_ENTRY, { type: 'request', req });
    expect(() => stepDirectory(step.entry, { type: 'versionAllocated', txn: 't1', version: 7 })).toThrow(ProtocolError);
  });

  it("grants a delete with the owner's value, which is newer than memory's", () => {
    const owned: DirEntry = { owner: 'node2', sharers: [], version: 3, queue: [] };
    let step = stepDirectory(owned, { type: 'request', req: { txn: 't2', from: 'node1', kind: 'del' } });
    step = replied(step, 't2', 'node2', { held: 'M', value: 'new', version: 4, dirty: true });
    expect(step.actions).toEqual([{ type: 'deleteMemory', txn: 't2' }]);
    step = stepDirectory(step.entry, { type: 'memoryDeleted', txn: 't2', existed: true, version: 8, value: 'old' });
    expect(step.actions).toEqual([
      { type: 'grant', txn: 't2', to: 'node1', grant: { kind: 'delete', existed: true, value: 'new' } },
    ]);
  });
});

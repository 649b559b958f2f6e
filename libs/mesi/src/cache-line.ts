// The cache controller for one line on one node. The caller runs at most one
// local operation per key at a time (a local op that needs the home stays
// pending until its grant arrives); forwarded messages from the home may
// arrive at any moment, including while a local op is pending. The home
// serialises a key's transactions and waits for the requester's `unblock`
// before starting the next one, so a forwarded message that reaches a node
// with a pending request always belongs to an earlier transaction and is
// applied at once to what the node still holds.
import {
  ProtocolError,
  type DataSource,
  type ForwardKind,
  type ForwardReply,
  type Grant,
  type RequestKind,
  type Stable,
} from './protocol-types.js';

/**
 * A read-modify-write: gets the key's newest value (undefined when it has none) and returns
 * the new value, or undefined to leave the key as it is. It runs exactly once, while this
 * node owns the line, so nobody can write between its read and its write. Pure as far as
 * the line is concerned: the caller may record what it computed in a closure.
 */
export type Modify = (current: string | undefined) => string | undefined;

/** A local operation waiting for the home (or, for evict, for its write-back). */
export type Pending =
  | { readonly kind: 'read' }
  | { readonly kind: 'write'; readonly value: string }
  | { readonly kind: 'modify'; readonly fn: Modify }
  | { readonly kind: 'delete' }
  | { readonly kind: 'evict' };

export interface Line {
  /** The stable state the node holds; forwarded messages act on it even while an op is pending. */
  readonly held: Stable;
  /** The data, present exactly when held is M, E or S. */
  readonly value?: string;
  /** Version of the write that produced the data; memory rejects write-backs older than what it has. */
  readonly version: number;
  /** M with writes memory has not seen. */
  readonly dirty: boolean;
  /** Local writes so far (an eviction counts as one); a write-back names the count it carries so a later write keeps the line dirty. */
  readonly writes: number;
  readonly pending?: Pending;
}

export const INVALID_LINE: Line = { held: 'I', version: 0, dirty: false, writes: 0 };

/** The local operations and the messages a line reacts to. */
export type LineEvent =
  | { readonly type: 'load' }
  | { readonly type: 'store'; readonly value: string }
  | { readonly type: 'modify'; readonly fn: Modify }
  | { readonly type: 'delete' }
  | { readonly type: 'evict' }
  | { readonly type: 'flush' }
  | { readonly type: 'writeBackDone'; readonly writes: number }
  | { readonly type: 'forward'; readonly kind: ForwardKind }
  | { readonly type: 'grant'; readonly grant: Grant }
  /** The request could not be completed (home unreachable, timeout): drop the pending op, keep what is held. */
  | { readonly type: 'abort' };

export type LocalResult =
  | {
      readonly op: 'read';
      readonly found: true;
      readonly value: string;
      readonly state: Stable;
      readonly source: DataSource;
    }
  | { readonly op: 'read'; readonly found: false }
  | { readonly op: 'write'; readonly state: 'M' }
  /** `state` is what the line holds after it: M or E, or I when the key has no value. */
  | { readonly op: 'modify'; readonly state: Stable }
  /** `value` is the value removed, when the delete removed one (this node's own dirty data or the home's). */
  | { readonly op: 'delete'; readonly existed: boolean; readonly value?: string }
  | { readonly op: 'evict' };

export type LineAction =
  /** Answer the pending (or immediate) local operation. */
  | { readonly type: 'answer'; readonly result: LocalResult }
  /**
   * Send a request to the key's home; its grant comes back as a `grant` event. `shared`: the
   * node holds the line in S as it asks (a getMD's home may then leave memory unread).
   */
  | { readonly type: 'request'; readonly kind: RequestKind; readonly shared?: true }
  /** Tell the home the grant is installed, so it may start the key's next transaction. */
  | { readonly type: 'unblock' }
  /** Answer the home's forwarded message. */
  | { readonly type: 'reply'; readonly reply: ForwardReply }
  /**
   * Write the value to memory (fenced by version); completion comes back as `writeBackDone`.
   * Local stores keep the version, so the fence cannot order two write-backs of one line: the
   * caller runs a node's write-backs of a key one at a time, and answers a forward only after them.
   */
  | { readonly type: 'writeBack'; readonly value: string; readonly version: number; readonly writes: number };

export interface LineStep {
  readonly line: Line;
  readonly actions: readonly LineAction[];
}

/** The textbook name of a line's state, transient ones included (IS_D, IM_D, SM_D, MI_A, …). */
export function lineStateName(line: Line): string {
  const p = line.pending;
  if (!p) return line.held;
  switch (p.kind) {
    case 'read':
      return `${line.held}S_D`;
    case 'write':
    case 'modify':
      return `${line.held}M_D`;
    case 'delete':
      return `${line.held}D_D`;
    case 'evict':
      return `${line.held}I_A`;
  }
}

const step = (line: Line, ...actions: LineAction[]): LineStep => ({ line, actions });

/** Applies one event to a line. Throws ProtocolError for events the protocol never produces in that state. */
export function stepLine(line: Line, event: LineEvent): LineStep {
  switch (event.type) {
    case 'load':
    case 'store':
    case 'modify':
    case 'delete':
    case 'evict':
      if (line.pending)
        throw new ProtocolError(
          `local ${event.type} while ${lineStateName(line)} is pending: run one local operation per key at a time`,
        );
      return local(line, event);
    case 'flush':
      // A background write-back of a dirty line; the line stays M and keeps serving.
      if (line.held === 'M' && line.dirty && line.pending?.kind !== 'evict') return step(line, writeBack(line));
      return step(line);
    case 'writeBackDone':
      // An evicted M line is in memory now: drop it and tell the home.
      // (A forward may have taken the data meanwhile; the home wrote it back then.)
      // An earlier flush finishing with fewer writes does not count.
      if (line.pending?.kind === 'evict' && line.writes === event.writes)
        return step(invalidated(line, line.pending), { type: 'request', kind: 'evict' });
      if (line.held === 'M' && line.writes === event.writes) return step({ ...line, dirty: false });
      return step(line);
    case 'forward':
      return forward(line, event.kind);
    case 'grant':
      return grant(line, event.grant);
    case 'abort':
      // (An eviction whose write-back failed keeps its dirty M line.)
      if (!line.pending) throw new ProtocolError(`abort with nothing pending (${lineStateName(line)})`);
      return step({ ...line, pending: undefined });
  }
}

function local(
  line: Line,
  event: Extract<LineEvent, { type: 'load' | 'store' | 'modify' | 'delete' | 'evict' }>,
): LineStep {
  switch (event.type) {
    case 'load':
      if (line.held === 'I') return step({ ...line, pending: { kind: 'read' } }, { type: 'request', kind: 'getS' });
      return step(line, {
        type: 'answer',
        result: { op: 'read', found: true, value: line.value!, state: line.held, source: 'local' },
      });
    case 'store':
      // E → M needs no traffic: nobody else holds the line.
      if (line.held === 'M' || line.held === 'E') {
        return step(
          { ...line, held: 'M', value: event.value, dirty: true, writes: line.writes + 1 },
          { type: 'answer', result: { op: 'write', state: 'M' } },
        );
      }
      return step({ ...line, pending: { kind: 'write', value: event.value } }, { type: 'request', kind: 'getM' });
    case 'modify': {
      // An owner (M or E) has the newest value and nobody else can write: modify it here, now.
      if (line.held === 'M' || line.held === 'E') {
        const next = event.fn(line.value);
        if (next === undefined) return step(line, { type: 'answer', result: { op: 'modify', state: line.held } });
        return step(
          { ...line, held: 'M', value: next, dirty: true, writes: line.writes + 1 },
          { type: 'answer', result: { op: 'modify', state: 'M' } },
        );
      }
      // A shared copy may be overwritten before the home serves this request: the grant brings
      // the value as it is when ownership changes hands, unless the home finds this node still
      // among the sharers when the transaction starts (`shared`: the copy is the newest value).
      const shared = line.held === 'S' ? ({ shared: true } as const) : {};
      return step(
        { ...line, pending: { kind: 'modify', fn: event.fn } },
        { type: 'request', kind: 'getMD', ...shared },
      );
    }
    case 'delete':
      // The home deletes memory before the grant comes back (and forgets this node at once), so a
      // clean copy kept meanwhile would be stale, and would survive an abort unknown to the home.
      // Memory has clean data, so the home's `existed` covers it. Dirty data stays until the grant.
      if (line.held === 'M' && line.dirty)
        return step({ ...line, pending: { kind: 'delete' } }, { type: 'request', kind: 'del' });
      return step(invalidated(line, { kind: 'delete' }), { type: 'request', kind: 'del' });
    case 'evict':
      if (line.held === 'I') return step(line, { type: 'answer', result: { op: 'evict' } });
      // An eviction counts one more write, so that only its own write-back's completion (not an
      // earlier flush's of the same data) finishes it and sends the one notice to the home.
      // Keep dirty data (and answer forwards from it) until memory has it.
      if (line.held === 'M' && line.dirty) {
        const evicting: Line = { ...line, writes: line.writes + 1, pending: { kind: 'evict' } };
        return step(evicting, writeBack(evicting));
      }
      // Clean data is in memory already: drop it now, and tell the home so its directory stays small.
      return step(invalidated({ ...line, writes: line.writes + 1 }, { kind: 'evict' }), {
        type: 'request',
        kind: 'evict',
      });
  }
}

/** A forwarded message acts on what the node holds, pending op or not. */
function forward(line: Line, kind: ForwardKind): LineStep {
  const reply: ForwardReply =
    line.held === 'I'
      ? { held: 'I', version: line.version, dirty: false }
      : { held: line.held, value: line.value!, version: line.version, dirty: line.dirty };
  // A line waiting for its delete gives up even a downgraded copy: memory is deleted before its grant comes back.
  if (kind === 'invalidate' || line.held === 'I' || line.pending?.kind === 'delete') {
    return step({ ...line, held: 'I', value: undefined, dirty: false }, { type: 'reply', reply });
  }
  // Downgrade: an M or E holder becomes a sharer; the home writes dirty data back before anyone reads it.
  return step({ ...line, held: 'S', dirty: false }, { type: 'reply', reply });
}

function grant(line: Line, g: Grant): LineStep {
  const p = line.pending;
  if (!p) throw new ProtocolError(`grant ${g.kind} with no request pending (${lineStateName(line)})`);
  const unblock: LineAction = { type: 'unblock' };
  if (p.kind === 'evict' && g.kind === 'evict') {
    if (line.held !== 'I')
      throw new ProtocolError(`evict granted before the write-back finished (${lineStateName(line)})`);
    return step({ ...line, pending: undefined }, { type: 'answer', result: { op: 'evict' } });
  }
  if (p.kind === 'read' && g.kind === 'read') {
    if (g.state === 'I')
      return step(invalidated(line), { type: 'answer', result: { op: 'read', found: false } }, unblock);
    const installed: Line = { held: g.state, value: g.value, version: g.version, dirty: false, writes: line.writes };
    return step(
      installed,
      { type: 'answer', result: { op: 'read', found: true, value: g.value, state: g.state, source: g.source } },
      unblock,
    );
  }
  if (p.kind === 'write' && g.kind === 'write') {
    const installed: Line = { held: 'M', value: p.value, version: g.version, dirty: true, writes: line.writes + 1 };
    return step(installed, { type: 'answer', result: { op: 'write', state: 'M' } }, unblock);
  }
  if (p.kind === 'modify' && g.kind === 'write') {
    // Without `current`, the home found this node's shared copy to be the newest value.
    if (!g.current && line.held !== 'S')
      throw new ProtocolError(
        `a modify was granted ownership without the current value, and this node holds no shared copy (${lineStateName(line)})`,
      );
    const current = g.current ? g.current.value : line.value;
    const next = p.fn(current);
    if (next !== undefined) {
      return step(
        { held: 'M', value: next, version: g.version, dirty: true, writes: line.writes + 1 },
        { type: 'answer', result: { op: 'modify', state: 'M' } },
        unblock,
      );
    }
    // Unchanged: memory has the current value already (the home wrote any dirty data first).
    // An owned line with no value cannot be held; the home over-counting this node is safe.
    if (current === undefined)
      return step(invalidated(line), { type: 'answer', result: { op: 'modify', state: 'I' } }, unblock);
    return step(
      { held: 'M', value: current, version: g.version, dirty: false, writes: line.writes },
      { type: 'answer', result: { op: 'modify', state: 'M' } },
      unblock,
    );
  }
  if (p.kind === 'delete' && g.kind === 'delete') {
    // The requester's own copy counts too: a line it alone held in M may never have reached memory.
    const existed = g.existed || line.held !== 'I';
    const value = line.held !== 'I' ? line.value : g.value;
    return step(
      invalidated(line),
      { type: 'answer', result: { op: 'delete', existed, ...(value !== undefined ? { value } : {}) } },
      unblock,
    );
  }
  throw new ProtocolError(`grant ${g.kind} does not answer a pending ${p.kind}`);
}

function writeBack(line: Line): LineAction {
  return { type: 'writeBack', value: line.value!, version: line.version, writes: line.writes };
}

/** I (with `pending` if given), keeping the write counter and version: they only grow. */
function invalidated(line: Line, pending?: Pending): Line {
  return { held: 'I', version: line.version, dirty: false, writes: line.writes, ...(pending ? { pending } : {}) };
}

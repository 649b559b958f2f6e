// The directory entry of one key at its home node: who holds the line (one
// owner in E or M, or sharers in S) and the transaction in progress. The
// entry serialises the key's transactions: a request that arrives while one
// runs waits in a FIFO queue, and a transaction ends only when the requester
// has installed its grant (`unblock`), so forwarded messages never overtake
// a grant. Pure: events in, actions out; the caller does the I/O.
import {
  ProtocolError,
  type ForwardKind,
  type ForwardReply,
  type Grant,
  type NodeId,
  type RequestKind,
} from './protocol-types.js';

export interface DirRequest {
  /** Unique per request; every event and action of its transaction names it. */
  readonly txn: string;
  readonly from: NodeId;
  readonly kind: RequestKind;
  /** The requester held the line in S when it asked (a getMD from a shared copy). */
  readonly shared?: boolean;
}

type Phase =
  /** Waiting for holders' replies to forwarded messages. */
  | { readonly name: 'forwarding'; readonly waiting: readonly NodeId[] }
  /** Waiting for memory to take an old owner's dirty data. */
  | { readonly name: 'writing' }
  /** Waiting for memory's value (read) or a new version (write) or the delete. */
  | { readonly name: 'memory' }
  /** Granted; waiting for the requester to install it. */
  | { readonly name: 'granted' };

interface Txn {
  readonly req: DirRequest;
  readonly phase: Phase;
  /** Data an old owner handed over (its reply), if it had some. */
  readonly handed?: ForwardReply & { readonly from: NodeId };
  /** A holder had a value (for delete's `existed`). */
  readonly sawValue: boolean;
  /** The value a holder had (the owner's is the newest): what a delete removes if memory is older. */
  readonly seenValue?: string;
  /**
   * A getMD whose requester still holds the newest value: it said it held S, and this entry
   * still listed it as a sharer when the transaction started (every earlier transaction has
   * ended, so no invalidation of that copy is on its way). Memory is not read.
   */
  readonly requesterHasValue?: boolean;
}

export interface DirEntry {
  /** The one holder in E or M, if any. */
  readonly owner?: NodeId;
  /** Holders in S (sorted). A superset: a sharer may have dropped its copy without telling. */
  readonly sharers: readonly NodeId[];
  /** The newest version the directory has seen for the key (for /coherence and metrics). */
  readonly version: number;
  readonly txn?: Txn;
  readonly queue: readonly DirRequest[];
}

export const EMPTY_ENTRY: DirEntry = { sharers: [], version: 0, queue: [] };

export type DirEvent =
  | { readonly type: 'request'; readonly req: DirRequest }
  /** A holder's answer to a forward; a holder that died counts as replying `{held: 'I'}`. */
  | { readonly type: 'reply'; readonly txn: string; readonly from: NodeId; readonly reply: ForwardReply }
  | { readonly type: 'memoryWritten'; readonly txn: string }
  | { readonly type: 'memoryRead'; readonly txn: string; readonly value?: string; readonly version: number }
  /** `current` is memory's value, read with the allocation, for a getMD. */
  | {
      readonly type: 'versionAllocated';
      readonly txn: string;
      readonly version: number;
      readonly current?: { readonly value?: string };
    }
  /** `value` is the value memory held before the delete, if any. */
  | {
      readonly type: 'memoryDeleted';
      readonly txn: string;
      readonly existed: boolean;
      readonly version: number;
      readonly value?: string;
    }
  /** The requester installed its grant (or the caller gave up waiting for it). */
  | { readonly type: 'unblock'; readonly txn: string }
  /**
   * Memory failed: the transaction ends without a grant (the caller answers the
   * requester with an error). Holders already invalidated or downgraded stay so:
   * the entry records that, and they fetch again later.
   */
  | { readonly type: 'fail'; readonly txn: string };

export type DirAction =
  | { readonly type: 'forward'; readonly txn: string; readonly to: NodeId; readonly kind: ForwardKind }
  /** Write an old owner's dirty data to memory, fenced by its version. */
  | { readonly type: 'writeMemory'; readonly txn: string; readonly value: string; readonly version: number }
  | { readonly type: 'readMemory'; readonly txn: string }
  /**
   * Allocate a version greater than every earlier one for the key (the new owner's fence);
   * with `withValue`, read memory's value in the same step (a getMD: any dirty data of the
   * old owner is in memory by then).
   */
  | { readonly type: 'allocateVersion'; readonly txn: string; readonly withValue?: true }
  /** Delete the value from memory, leaving a fence with a new version. */
  | { readonly type: 'deleteMemory'; readonly txn: string }
  | { readonly type: 'grant'; readonly txn: string; readonly to: NodeId; readonly grant: Grant };

export interface DirStep {
  readonly entry: DirEntry;
  readonly actions: readonly DirAction[];
}

/** The directory state's name as in the literature: I, S, EM, or busy while a transaction runs. */
export function entryStateName(entry: DirEntry): string {
  const base = entry.owner ? 'EM' : entry.sharers.length ? 'S' : 'I';
  return entry.txn ? `${base}:${entry.txn.req.kind}:${entry.txn.phase.name}` : base;
}

/** True when the entry holds nothing worth keeping (the caller may delete it). */
export function entryIsIdle(entry: DirEntry): boolean {
  return !entry.owner && entry.sharers.length === 0 && !entry.txn && entry.queue.length === 0;
}

const without = (nodes: readonly NodeId[], node: NodeId): NodeId[] => nodes.filter((n) => n !== node);
const withNode = (nodes: readonly NodeId[], node: NodeId): NodeId[] => [...new Set([...nodes, node])].sort();

/** Applies one event. Events of a transaction that is not the current one are stale and ignored. */
export function stepDirectory(entry: DirEntry, event: DirEvent): DirStep {
  if (event.type === 'request') {
    if (entry.txn) return { entry: { ...entry, queue: [...entry.queue, event.req] }, actions: [] };
    return start(entry, event.req);
  }
  const txn = entry.txn;
  if (!txn || txn.req.txn !== event.txn) return { entry, actions: [] };
  switch (event.type) {
    case 'reply':
      return onReply(entry, txn, event.from, event.reply);
    case 'memoryWritten': {
      if (txn.phase.name !== 'writing') return { entry, actions: [] };
      // Memory has the old owner's data now; carry on as if it had been clean.
      const written: Txn = { ...txn, handed: txn.handed && { ...txn.handed, dirty: false } };
      return afterForwards({ ...entry, txn: written }, written);
    }
    case 'memoryRead':
      if (txn.phase.name !== 'memory' || txn.req.kind !== 'getS') return { entry, actions: [] };
      return grantRead(entry, txn, event.value, event.version);
    case 'versionAllocated': {
      if (txn.phase.name !== 'memory' || (txn.req.kind !== 'getM' && txn.req.kind !== 'getMD'))
        return { entry, actions: [] };
      const readsMemory = txn.req.kind === 'getMD' && !txn.requesterHasValue;
      if (readsMemory && !event.current) throw new ProtocolError('a getMD needs the value read with its version');
      const grant: Grant =
        readsMemory && event.current
          ? { kind: 'write', version: event.version, current: event.current }
          : { kind: 'write', version: event.version };
      return granted(
        { ...entry, owner: txn.req.from, sharers: [], version: Math.max(entry.version, event.version) },
        txn,
        grant,
      );
    }
    case 'memoryDeleted': {
      if (txn.phase.name !== 'memory' || txn.req.kind !== 'del') return { entry, actions: [] };
      // A holder's copy is at least as new as memory (an owner's dirty data never reached it).
      const value = txn.seenValue ?? event.value;
      return granted(
        { ...entry, owner: undefined, sharers: [], version: Math.max(entry.version, event.version) },
        txn,
        {
          kind: 'delete',
          existed: event.existed || txn.sawValue,
          ...(value !== undefined ? { value } : {}),
        },
      );
    }
    case 'unblock':
      if (txn.phase.name !== 'granted') return { entry, actions: [] };
      return next({ ...entry, txn: undefined });
    case 'fail':
      if (txn.phase.name === 'granted' || txn.phase.name === 'forwarding') return { entry, actions: [] };
      return next({ ...entry, txn: undefined });
  }
}

/** Removes a node that died from the entry (its copies are gone). Transactions waiting on it get a reply from the caller. */
export function forgetNode(entry: DirEntry, node: NodeId): DirEntry {
  return { ...entry, owner: entry.owner === node ? undefined : entry.owner, sharers: without(entry.sharers, node) };
}

/** What one surviving node reports holding, for rebuilding a directory on a new home. */
export interface HolderReport {
  readonly node: NodeId;
  readonly held: 'M' | 'E' | 'S' | 'I';
  readonly version: number;
}

/**
 * The entry a new home builds from what the survivors hold. The protocol
 * never lets two nodes own a line, nor an owner coexist with sharers; if the
 * reports say otherwise the rebuild refuses (the caller invalidates the key
 * everywhere instead of guessing).
 */
export function rebuildEntry(reports: readonly HolderReport[]): DirEntry {
  const owners = reports.filter((r) => r.held === 'M' || r.held === 'E');
  const sharers = reports
    .filter((r) => r.held === 'S')
    .map((r) => r.node)
    .sort();
  if (owners.length > 1 || (owners.length === 1 && sharers.length > 0)) {
    throw new ProtocolError(
      `holders violate single-writer-multiple-readers: ${reports.map((r) => `${r.node}=${r.held}`).join(', ')}`,
    );
  }
  const version = reports.reduce((v, r) => Math.max(v, r.version), 0);
  return { owner: owners[0]?.node, sharers, version, queue: [] };
}

function next(entry: DirEntry): DirStep {
  const [req, ...rest] = entry.queue;
  if (!req) return { entry, actions: [] };
  return start({ ...entry, queue: rest }, req);
}

function start(entry: DirEntry, req: DirRequest): DirStep {
  const from = req.from;
  if (req.kind === 'evict') {
    // The requester dropped its copy; nothing to install, so no unblock to wait for.
    const after = forgetNode(entry, from);
    const step = next({ ...after, txn: undefined });
    return {
      entry: step.entry,
      actions: [{ type: 'grant', txn: req.txn, to: from, grant: { kind: 'evict' } }, ...step.actions],
    };
  }
  // A requester recorded as holder has dropped its copy (it would not ask otherwise, except S → M).
  const base: DirEntry =
    req.kind === 'getM' || req.kind === 'getMD'
      ? { ...entry, owner: entry.owner === from ? undefined : entry.owner }
      : forgetNode(entry, from);
  const targets: { to: NodeId; kind: ForwardKind }[] = [];
  if (req.kind === 'getS') {
    if (base.owner) targets.push({ to: base.owner, kind: 'downgrade' });
  } else {
    if (base.owner) targets.push({ to: base.owner, kind: 'invalidate' });
    for (const s of without(base.sharers, from)) targets.push({ to: s, kind: 'invalidate' });
  }
  const requesterHasValue = req.kind === 'getMD' && req.shared === true && !base.owner && base.sharers.includes(from);
  const txn: Txn = {
    req,
    phase: { name: 'forwarding', waiting: targets.map((t) => t.to) },
    sawValue: false,
    ...(requesterHasValue ? { requesterHasValue } : {}),
  };
  if (targets.length === 0) return afterForwards({ ...base, txn }, txn);
  return {
    entry: { ...base, txn },
    actions: targets.map((t) => ({ type: 'forward', txn: req.txn, to: t.to, kind: t.kind })),
  };
}

function onReply(entry: DirEntry, txn: Txn, from: NodeId, reply: ForwardReply): DirStep {
  if (txn.phase.name !== 'forwarding' || !txn.phase.waiting.includes(from)) return { entry, actions: [] };
  const waiting = without(txn.phase.waiting, from);
  const wasOwner = entry.owner === from;
  let updated: DirEntry = entry;
  let handed = txn.handed;
  if (txn.req.kind === 'getS') {
    // A downgraded owner that still had the data becomes a sharer.
    updated = {
      ...entry,
      owner: undefined,
      sharers: reply.value !== undefined ? withNode(entry.sharers, from) : without(entry.sharers, from),
    };
    if (reply.value !== undefined) handed = { ...reply, from };
  } else {
    updated = forgetNode(entry, from);
    // A writer overwrites the data, but an old owner's dirty value still goes to memory
    // first, so that memory never falls back behind an acknowledged write.
    if (wasOwner && reply.value !== undefined && reply.dirty && (txn.req.kind === 'getM' || txn.req.kind === 'getMD'))
      handed = { ...reply, from };
  }
  const sawValue = txn.sawValue || reply.value !== undefined;
  const seenValue = wasOwner && reply.value !== undefined ? reply.value : (txn.seenValue ?? reply.value);
  const nextTxn: Txn = {
    ...txn,
    handed,
    sawValue,
    ...(seenValue !== undefined ? { seenValue } : {}),
    phase: { name: 'forwarding', waiting },
  };
  if (waiting.length > 0) return { entry: { ...updated, txn: nextTxn }, actions: [] };
  return afterForwards({ ...updated, txn: nextTxn }, nextTxn);
}

/** Every forward answered: write back dirty data if any, then memory, then grant. */
function afterForwards(entry: DirEntry, txn: Txn): DirStep {
  const id = txn.req.txn;
  if (txn.handed?.dirty) {
    return {
      entry: { ...entry, txn: { ...txn, phase: { name: 'writing' } } },
      actions: [{ type: 'writeMemory', txn: id, value: txn.handed.value!, version: txn.handed.version }],
    };
  }
  const inMemory: DirEntry = { ...entry, txn: { ...txn, phase: { name: 'memory' } } };
  switch (txn.req.kind) {
    case 'getS':
      if (txn.handed) return grantRead(entry, txn, txn.handed.value, txn.handed.version, 'peer');
      return { entry: inMemory, actions: [{ type: 'readMemory', txn: id }] };
    case 'getM':
      return { entry: inMemory, actions: [{ type: 'allocateVersion', txn: id }] };
    case 'getMD':
      if (txn.requesterHasValue) return { entry: inMemory, actions: [{ type: 'allocateVersion', txn: id }] };
      return { entry: inMemory, actions: [{ type: 'allocateVersion', txn: id, withValue: true }] };
    case 'del':
      return { entry: inMemory, actions: [{ type: 'deleteMemory', txn: id }] };
    case 'evict':
      throw new ProtocolError('an evict has no forwards');
  }
}

function grantRead(
  entry: DirEntry,
  txn: Txn,
  value: string | undefined,
  version: number,
  source: 'peer' | 'memory' = 'memory',
): DirStep {
  const from = txn.req.from;
  const v = Math.max(entry.version, version);
  if (value === undefined) return granted({ ...entry, version: v }, txn, { kind: 'read', state: 'I' });
  const others = without(entry.sharers, from);
  // Exclusive when nobody else holds it: a later write needs no traffic.
  if (!entry.owner && others.length === 0)
    return granted({ ...entry, owner: from, sharers: [], version: v }, txn, {
      kind: 'read',
      state: 'E',
      value,
      version,
      source,
    });
  if (entry.owner) throw new ProtocolError(`read granted while ${entry.owner} still owns the line`);
  return granted({ ...entry, sharers: withNode(others, from), version: v }, txn, {
    kind: 'read',
    state: 'S',
    value,
    version,
    source,
  });
}

function granted(entry: DirEntry, txn: Txn, grant: Grant): DirStep {
  return {
    entry: { ...entry, txn: { ...txn, phase: { name: 'granted' } } },
    actions: [{ type: 'grant', txn: txn.req.txn, to: txn.req.from, grant }],
  };
}

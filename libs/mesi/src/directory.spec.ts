// The home directory's transitions: every directory state (I, S, EM) × request
// kind × what the forwarded holders answer, driven to the end with every step
// pinned; then each busy phase's handling of stale and out-of-phase events,
// queueing in FIFO order, and rebuilding an entry after a home moves.
//
// Notation. A step is `event => state owner sharers version [queue] | actions`,
// state as entryStateName gives it (`EM:getS:forwarding` = busy with a getS,
// waiting for forward replies). Holders answer with data of version 3 (4 for
// M); memory holds `mem`@3, allocates version 7 and deletes at version 8.
import {
  EMPTY_ENTRY,
  entryIsIdle,
  entryStateName,
  forgetNode,
  rebuildEntry,
  stepDirectory,
  type DirAction,
  type DirEntry,
  type DirEvent,
  type DirRequest,
} from './directory.js';
import { ProtocolError, type ForwardReply, type Grant, type NodeId, type RequestKind } from './protocol-types.js';

const [N1, N2, N3] = ['node1', 'node2', 'node3'];

/** What a forwarded holder answers: `M*` = it held dirty M. */
type ReplyKind = 'M*' | 'M' | 'E' | 'S' | 'I';
const REPLY: Record<ReplyKind, ForwardReply> = {
  'M*': { held: 'M', value: 'new', version: 4, dirty: true },
  M: { held: 'M', value: 'm', version: 4, dirty: false },
  E: { held: 'E', value: 'e', version: 3, dirty: false },
  S: { held: 'S', value: 's', version: 3, dirty: false },
  I: { held: 'I', version: 3, dirty: false },
};

const IDLE_I: DirEntry = { ...EMPTY_ENTRY, version: 3 };
const IDLE_S: DirEntry = { sharers: [N2, N3], version: 3, queue: [] };
const IDLE_EM: DirEntry = { owner: N2, sharers: [], version: 3, queue: [] };

function fmtGrant(g: Grant): string {
  switch (g.kind) {
    case 'read':
      return g.state === 'I' ? 'read I' : `read ${g.state} ${g.value}@${g.version} ${g.source}`;
    case 'write':
      return `write @${g.version}`;
    case 'delete':
      return `delete ${g.existed ? 'existed' : 'absent'}`;
    case 'evict':
      return 'evict';
  }
}

function fmtAction(a: DirAction): string {
  switch (a.type) {
    case 'forward':
      return `${a.txn} ${a.kind} ${a.to}`;
    case 'writeMemory':
      return `${a.txn} writeMemory ${a.value}@${a.version}`;
    case 'grant':
      return `${a.txn} grant ${a.to} ${fmtGrant(a.grant)}`;
    default:
      return `${a.txn} ${a.type}`;
  }
}

function fmtEvent(e: DirEvent): string {
  switch (e.type) {
    case 'request':
      return `${e.req.txn} ${e.req.kind} from ${e.req.from}`;
    case 'reply':
      return `${e.txn} reply ${e.from} ${e.reply.held}${e.reply.dirty ? '*' : ''} ${e.reply.value ?? '-'}`;
    case 'memoryRead':
      return `${e.txn} memoryRead ${e.value ?? '-'}@${e.version}`;
    case 'versionAllocated':
      return `${e.txn} versionAllocated ${e.version}`;
    case 'memoryDeleted':
      return `${e.txn} memoryDeleted ${e.existed ? 'existed' : 'absent'}@${e.version}`;
    default:
      return `${e.txn} ${e.type}`;
  }
}

/** `state owner sharers version [queue]`, state as entryStateName gives it. */
function fmtEntry(e: DirEntry): string {
  const queue = e.queue.length ? ` queue=${e.queue.map((r) => `${r.txn}:${r.kind}:${r.from}`).join(',')}` : '';
  return `${entryStateName(e)} owner=${e.owner ?? '-'} sharers=${e.sharers.join(',') || '-'} v=${e.version}${queue}`;
}

function fmtStep(event: DirEvent, entry: DirEntry, actions: readonly DirAction[]): string {
  return `${fmtEvent(event)} => ${fmtEntry(entry)}${actions.length ? ` | ${actions.map(fmtAction).join(', ')}` : ''}`;
}

interface Scenario {
  readonly start: DirEntry;
  readonly from: NodeId;
  readonly kind: RequestKind;
  /** How each forwarded node answers (default I). */
  readonly replies?: Partial<Record<NodeId, ReplyKind>>;
  /** Memory's value for a read (`null`: none, a tombstone). */
  readonly memory?: string | null;
  /** Whether memory had a value when deleted. */
  readonly existed?: boolean;
}

/** The answers the caller (nodes and memory) gives to each action. */
function respond(s: Scenario, a: DirAction): DirEvent[] {
  switch (a.type) {
    case 'forward':
      return [{ type: 'reply', txn: a.txn, from: a.to, reply: REPLY[s.replies?.[a.to] ?? 'I'] }];
    case 'writeMemory':
      return [{ type: 'memoryWritten', txn: a.txn }];
    case 'readMemory':
      return [
        { type: 'memoryRead', txn: a.txn, version: 3, ...(s.memory === null ? {} : { value: s.memory ?? 'mem' }) },
      ];
    case 'allocateVersion':
      return [{ type: 'versionAllocated', txn: a.txn, version: 7 }];
    case 'deleteMemory':
      return [{ type: 'memoryDeleted', txn: a.txn, existed: s.existed ?? true, version: 8 }];
    case 'grant':
      return a.grant.kind === 'evict' ? [] : [{ type: 'unblock', txn: a.txn }];
  }
}

/** Runs one request to completion, answering every action at once, and returns each step. */
function drive(s: Scenario): string[] {
  let entry = s.start;
  const trace: string[] = [];
  const events: DirEvent[] = [{ type: 'request', req: { txn: 't1', from: s.from, kind: s.kind } }];
  while (events.length > 0) {
    const event = events.shift()!;
    const { entry: next, actions } = stepDirectory(entry, event);
    trace.push(fmtStep(event, next, actions));
    entry = next;
    for (const a of actions) events.push(...respond(s, a));
  }
  if (!entryIsIdle(entry) && entry.txn) throw new Error('transaction left open');
  return trace;
}

const SCENARIOS = {
  'I: getS, memory has a value': { start: IDLE_I, from: N1, kind: 'getS' },
  'I: getS, memory has none': { start: IDLE_I, from: N1, kind: 'getS', memory: null },
  'I: getM': { start: IDLE_I, from: N1, kind: 'getM' },
  'I: del, memory had a value': { start: IDLE_I, from: N1, kind: 'del' },
  'I: del, memory had none': { start: IDLE_I, from: N1, kind: 'del', existed: false },
  'I: evict': { start: IDLE_I, from: N1, kind: 'evict' },
  'S: getS': { start: IDLE_S, from: N1, kind: 'getS' },
  'S: getS from a recorded sharer': { start: IDLE_S, from: N2, kind: 'getS' },
  'S: getM, sharers had S': { start: IDLE_S, from: N1, kind: 'getM', replies: { node2: 'S', node3: 'S' } },
  'S: getM, one sharer had dropped it': { start: IDLE_S, from: N1, kind: 'getM', replies: { node2: 'I', node3: 'S' } },
  'S: getM from a sharer (upgrade)': { start: IDLE_S, from: N2, kind: 'getM', replies: { node3: 'S' } },
  'S: del, sharers had S': {
    start: IDLE_S,
    from: N1,
    kind: 'del',
    replies: { node2: 'S', node3: 'S' },
    existed: false,
  },
  'S: del, sharers had none, memory none': { start: IDLE_S, from: N1, kind: 'del', existed: false },
  'S: del from a sharer': { start: IDLE_S, from: N2, kind: 'del', replies: { node3: 'S' } },
  'S: evict from a sharer': { start: IDLE_S, from: N2, kind: 'evict' },
  'S: evict from a non-holder': { start: IDLE_S, from: N1, kind: 'evict' },
  'EM: getS, owner had M dirty': { start: IDLE_EM, from: N1, kind: 'getS', replies: { node2: 'M*' } },
  'EM: getS, owner had M clean': { start: IDLE_EM, from: N1, kind: 'getS', replies: { node2: 'M' } },
  'EM: getS, owner had E': { start: IDLE_EM, from: N1, kind: 'getS', replies: { node2: 'E' } },
  'EM: getS, owner had S': { start: IDLE_EM, from: N1, kind: 'getS', replies: { node2: 'S' } },
  'EM: getS, owner had dropped it': { start: IDLE_EM, from: N1, kind: 'getS', replies: { node2: 'I' } },
  'EM: getS, owner had dropped it, memory none': {
    start: IDLE_EM,
    from: N1,
    kind: 'getS',
    replies: { node2: 'I' },
    memory: null,
  },
  'EM: getM, owner had M dirty': { start: IDLE_EM, from: N1, kind: 'getM', replies: { node2: 'M*' } },
  'EM: getM, owner had E': { start: IDLE_EM, from: N1, kind: 'getM', replies: { node2: 'E' } },
  'EM: getM, owner had S': { start: IDLE_EM, from: N1, kind: 'getM', replies: { node2: 'S' } },
  'EM: getM, owner had dropped it': { start: IDLE_EM, from: N1, kind: 'getM', replies: { node2: 'I' } },
  'EM: getM from the owner': { start: IDLE_EM, from: N2, kind: 'getM' },
  'EM: del, owner had M dirty': { start: IDLE_EM, from: N1, kind: 'del', replies: { node2: 'M*' }, existed: false },
  'EM: del, owner had E': { start: IDLE_EM, from: N1, kind: 'del', replies: { node2: 'E' } },
  'EM: del, owner had dropped it, memory none': { start: IDLE_EM, from: N1, kind: 'del', existed: false },
  'EM: del from the owner': { start: IDLE_EM, from: N2, kind: 'del', existed: false },
  'EM: evict from the owner': { start: IDLE_EM, from: N2, kind: 'evict' },
  'EM: evict from a non-holder': { start: IDLE_EM, from: N1, kind: 'evict' },
} satisfies Record<string, Scenario>;

/** Every step of every scenario above. */
const TRACES: Record<keyof typeof SCENARIOS, readonly string[]> = {
  'I: getS, memory has a value': [
    't1 getS from node1 => I:getS:memory owner=- sharers=- v=3 | t1 readMemory',
    't1 memoryRead mem@3 => EM:getS:granted owner=node1 sharers=- v=3 | t1 grant node1 read E mem@3 memory',
    't1 unblock => EM owner=node1 sharers=- v=3',
  ],
  'I: getS, memory has none': [
    't1 getS from node1 => I:getS:memory owner=- sharers=- v=3 | t1 readMemory',
    't1 memoryRead -@3 => I:getS:granted owner=- sharers=- v=3 | t1 grant node1 read I',
    't1 unblock => I owner=- sharers=- v=3',
  ],
  'I: getM': [
    't1 getM from node1 => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'I: del, memory had a value': [
    't1 del from node1 => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted existed@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete existed',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'I: del, memory had none': [
    't1 del from node1 => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete absent',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'I: evict': ['t1 evict from node1 => I owner=- sharers=- v=3 | t1 grant node1 evict'],
  'S: getS': [
    't1 getS from node1 => S:getS:memory owner=- sharers=node2,node3 v=3 | t1 readMemory',
    't1 memoryRead mem@3 => S:getS:granted owner=- sharers=node1,node2,node3 v=3 | t1 grant node1 read S mem@3 memory',
    't1 unblock => S owner=- sharers=node1,node2,node3 v=3',
  ],
  'S: getS from a recorded sharer': [
    't1 getS from node2 => S:getS:memory owner=- sharers=node3 v=3 | t1 readMemory',
    't1 memoryRead mem@3 => S:getS:granted owner=- sharers=node2,node3 v=3 | t1 grant node2 read S mem@3 memory',
    't1 unblock => S owner=- sharers=node2,node3 v=3',
  ],
  'S: getM, sharers had S': [
    't1 getM from node1 => S:getM:forwarding owner=- sharers=node2,node3 v=3 | t1 invalidate node2, t1 invalidate node3',
    't1 reply node2 S s => S:getM:forwarding owner=- sharers=node3 v=3',
    't1 reply node3 S s => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'S: getM, one sharer had dropped it': [
    't1 getM from node1 => S:getM:forwarding owner=- sharers=node2,node3 v=3 | t1 invalidate node2, t1 invalidate node3',
    't1 reply node2 I - => S:getM:forwarding owner=- sharers=node3 v=3',
    't1 reply node3 S s => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'S: getM from a sharer (upgrade)': [
    't1 getM from node2 => S:getM:forwarding owner=- sharers=node2,node3 v=3 | t1 invalidate node3',
    't1 reply node3 S s => S:getM:memory owner=- sharers=node2 v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node2 sharers=- v=7 | t1 grant node2 write @7',
    't1 unblock => EM owner=node2 sharers=- v=7',
  ],
  'S: del, sharers had S': [
    't1 del from node1 => S:del:forwarding owner=- sharers=node2,node3 v=3 | t1 invalidate node2, t1 invalidate node3',
    't1 reply node2 S s => S:del:forwarding owner=- sharers=node3 v=3',
    't1 reply node3 S s => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete existed',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'S: del, sharers had none, memory none': [
    't1 del from node1 => S:del:forwarding owner=- sharers=node2,node3 v=3 | t1 invalidate node2, t1 invalidate node3',
    't1 reply node2 I - => S:del:forwarding owner=- sharers=node3 v=3',
    't1 reply node3 I - => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete absent',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'S: del from a sharer': [
    't1 del from node2 => S:del:forwarding owner=- sharers=node3 v=3 | t1 invalidate node3',
    't1 reply node3 S s => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted existed@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node2 delete existed',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'S: evict from a sharer': ['t1 evict from node2 => S owner=- sharers=node3 v=3 | t1 grant node2 evict'],
  'S: evict from a non-holder': ['t1 evict from node1 => S owner=- sharers=node2,node3 v=3 | t1 grant node1 evict'],
  'EM: getS, owner had M dirty': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 M* new => S:getS:writing owner=- sharers=node2 v=3 | t1 writeMemory new@4',
    't1 memoryWritten => S:getS:granted owner=- sharers=node1,node2 v=4 | t1 grant node1 read S new@4 peer',
    't1 unblock => S owner=- sharers=node1,node2 v=4',
  ],
  'EM: getS, owner had M clean': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 M m => S:getS:granted owner=- sharers=node1,node2 v=4 | t1 grant node1 read S m@4 peer',
    't1 unblock => S owner=- sharers=node1,node2 v=4',
  ],
  'EM: getS, owner had E': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 E e => S:getS:granted owner=- sharers=node1,node2 v=3 | t1 grant node1 read S e@3 peer',
    't1 unblock => S owner=- sharers=node1,node2 v=3',
  ],
  'EM: getS, owner had S': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 S s => S:getS:granted owner=- sharers=node1,node2 v=3 | t1 grant node1 read S s@3 peer',
    't1 unblock => S owner=- sharers=node1,node2 v=3',
  ],
  'EM: getS, owner had dropped it': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 I - => I:getS:memory owner=- sharers=- v=3 | t1 readMemory',
    't1 memoryRead mem@3 => EM:getS:granted owner=node1 sharers=- v=3 | t1 grant node1 read E mem@3 memory',
    't1 unblock => EM owner=node1 sharers=- v=3',
  ],
  'EM: getS, owner had dropped it, memory none': [
    't1 getS from node1 => EM:getS:forwarding owner=node2 sharers=- v=3 | t1 downgrade node2',
    't1 reply node2 I - => I:getS:memory owner=- sharers=- v=3 | t1 readMemory',
    't1 memoryRead -@3 => I:getS:granted owner=- sharers=- v=3 | t1 grant node1 read I',
    't1 unblock => I owner=- sharers=- v=3',
  ],
  'EM: getM, owner had M dirty': [
    't1 getM from node1 => EM:getM:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 M* new => I:getM:writing owner=- sharers=- v=3 | t1 writeMemory new@4',
    't1 memoryWritten => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'EM: getM, owner had E': [
    't1 getM from node1 => EM:getM:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 E e => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'EM: getM, owner had S': [
    't1 getM from node1 => EM:getM:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 S s => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'EM: getM, owner had dropped it': [
    't1 getM from node1 => EM:getM:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 I - => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node1 sharers=- v=7 | t1 grant node1 write @7',
    't1 unblock => EM owner=node1 sharers=- v=7',
  ],
  'EM: getM from the owner': [
    't1 getM from node2 => I:getM:memory owner=- sharers=- v=3 | t1 allocateVersion',
    't1 versionAllocated 7 => EM:getM:granted owner=node2 sharers=- v=7 | t1 grant node2 write @7',
    't1 unblock => EM owner=node2 sharers=- v=7',
  ],
  'EM: del, owner had M dirty': [
    't1 del from node1 => EM:del:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 M* new => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete existed',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'EM: del, owner had E': [
    't1 del from node1 => EM:del:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 E e => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted existed@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete existed',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'EM: del, owner had dropped it, memory none': [
    't1 del from node1 => EM:del:forwarding owner=node2 sharers=- v=3 | t1 invalidate node2',
    't1 reply node2 I - => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node1 delete absent',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'EM: del from the owner': [
    't1 del from node2 => I:del:memory owner=- sharers=- v=3 | t1 deleteMemory',
    't1 memoryDeleted absent@8 => I:del:granted owner=- sharers=- v=8 | t1 grant node2 delete absent',
    't1 unblock => I owner=- sharers=- v=8',
  ],
  'EM: evict from the owner': ['t1 evict from node2 => I owner=- sharers=- v=3 | t1 grant node2 evict'],
  'EM: evict from a non-holder': ['t1 evict from node1 => EM owner=node2 sharers=- v=3 | t1 grant node1 evict'],
};

const step = (entry: DirEntry, ...events: DirEvent[]): DirEntry =>
  events.reduce((e, ev) => stepDirectory(e, ev).entry, entry);
const request = (txn: string, from: NodeId, kind: RequestKind): DirEvent => ({
  type: 'request',
  req: { txn, from, kind },
});

/** Every event a transaction waits for, named; each busy phase accepts exactly one of them. */
function eventsFor(txn: string): Record<string, DirEvent> {
  return {
    'reply from the waited-for owner': { type: 'reply', txn, from: N2, reply: REPLY['M*'] },
    'reply from a node not forwarded to': { type: 'reply', txn, from: N3, reply: REPLY.S },
    memoryWritten: { type: 'memoryWritten', txn },
    memoryRead: { type: 'memoryRead', txn, value: 'mem', version: 3 },
    versionAllocated: { type: 'versionAllocated', txn, version: 7 },
    memoryDeleted: { type: 'memoryDeleted', txn, existed: true, version: 8 },
    unblock: { type: 'unblock', txn },
  };
}

/** Each busy phase (for t1, the requester node1) and the one event that moves it on. */
const PHASES: Record<string, { entry: DirEntry; accepts: string }> = {
  'EM:getM:forwarding': { entry: step(IDLE_EM, request('t1', N1, 'getM')), accepts: 'reply from the waited-for owner' },
  'I:getM:writing': {
    entry: step(IDLE_EM, request('t1', N1, 'getM'), eventsFor('t1')['reply from the waited-for owner']),
    accepts: 'memoryWritten',
  },
  'I:getS:memory': { entry: step(IDLE_I, request('t1', N1, 'getS')), accepts: 'memoryRead' },
  'I:getM:memory': { entry: step(IDLE_I, request('t1', N1, 'getM')), accepts: 'versionAllocated' },
  'I:del:memory': { entry: step(IDLE_I, request('t1', N1, 'del')), accepts: 'memoryDeleted' },
  'EM:getM:granted': {
    entry: step(IDLE_I, request('t1', N1, 'getM'), eventsFor('t1').versionAllocated),
    accepts: 'unblock',
  },
};

describe('stepDirectory: each state × request × holder reply, to the end', () => {
  it.each(Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[])('%s', (name) => {
    expect(drive(SCENARIOS[name])).toEqual(TRACES[name]);
  });

  it('lists a trace for every scenario', () => {
    expect(Object.keys(TRACES).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });
});

describe('stepDirectory: busy phases', () => {
  it.each(Object.entries(PHASES))(
    '%s names its phase, moves on only on its own event, and ignores the rest',
    (name, { entry, accepts }) => {
      expect(entryStateName(entry)).toBe(name);
      for (const [label, event] of Object.entries(eventsFor('t1'))) {
        const { entry: next, actions } = stepDirectory(entry, event);
        if (label === accepts) {
          expect(next).not.toBe(entry);
        } else {
          expect({ label, next, actions }).toEqual({ label, next: entry, actions: [] });
        }
      }
    },
  );

  it.each(Object.entries(PHASES))('%s ignores every event of another transaction', (_name, { entry }) => {
    for (const event of Object.values(eventsFor('t0')))
      expect(stepDirectory(entry, event)).toEqual({ entry, actions: [] });
  });

  it('ignores every transaction event when idle', () => {
    for (const start of [IDLE_I, IDLE_S, IDLE_EM]) {
      for (const event of Object.values(eventsFor('t1')))
        expect(stepDirectory(start, event)).toEqual({ entry: start, actions: [] });
    }
  });

  it('ignores a second reply from the same holder', () => {
    const twoSharers = step(IDLE_S, request('t1', N1, 'getM'));
    const once = step(twoSharers, { type: 'reply', txn: 't1', from: N2, reply: REPLY.S });
    expect(stepDirectory(once, { type: 'reply', txn: 't1', from: N2, reply: REPLY.S })).toEqual({
      entry: once,
      actions: [],
    });
    expect(entryStateName(once)).toBe('S:getM:forwarding');
  });

  it.each(Object.entries(PHASES))('queues requests that arrive in %s, in order, without acting', (_name, { entry }) => {
    const queued = [request('t2', N3, 'getS'), request('t3', N2, 'evict'), request('t4', N3, 'del')];
    let e = entry;
    for (const r of queued) {
      const out = stepDirectory(e, r);
      expect(out.actions).toEqual([]);
      e = out.entry;
    }
    expect(e.txn).toBe(entry.txn);
    expect(e.queue.map((r) => r.txn)).toEqual(['t2', 't3', 't4']);
  });
});

describe('stepDirectory: queue', () => {
  /** node1 holds M (granted t1, not yet unblocked); node3 asks to read, node2 to evict, node3 to delete. */
  const busy = step(
    PHASES['EM:getM:granted'].entry,
    request('t2', N3, 'getS'),
    request('t3', N2, 'evict'),
    request('t4', N3, 'del'),
  );

  it('starts the next request only when the requester unblocks, in FIFO order', () => {
    const trace: string[] = [];
    const events: DirEvent[] = [
      { type: 'unblock', txn: 't1' },
      { type: 'reply', txn: 't2', from: N1, reply: { held: 'M', value: 'w1', version: 7, dirty: true } },
      { type: 'memoryWritten', txn: 't2' },
      { type: 'unblock', txn: 't2' },
      { type: 'reply', txn: 't4', from: N1, reply: REPLY.S },
      { type: 'memoryDeleted', txn: 't4', existed: true, version: 8 },
      { type: 'unblock', txn: 't4' },
    ];
    let e = busy;
    for (const ev of events) {
      const out = stepDirectory(e, ev);
      trace.push(fmtStep(ev, out.entry, out.actions));
      e = out.entry;
    }
    expect(trace).toEqual([
      't1 unblock => EM:getS:forwarding owner=node1 sharers=- v=7 queue=t3:evict:node2,t4:del:node3 | t2 downgrade node1',
      't2 reply node1 M* w1 => S:getS:writing owner=- sharers=node1 v=7 queue=t3:evict:node2,t4:del:node3 | t2 writeMemory w1@7',
      't2 memoryWritten => S:getS:granted owner=- sharers=node1,node3 v=7 queue=t3:evict:node2,t4:del:node3 | t2 grant node3 read S w1@7 peer',
      // An eviction at the head is granted at once (nothing to install), and the next request starts in the same step.
      't2 unblock => S:del:forwarding owner=- sharers=node1 v=7 | t3 grant node2 evict, t4 invalidate node1',
      't4 reply node1 S s => I:del:memory owner=- sharers=- v=7 | t4 deleteMemory',
      't4 memoryDeleted existed@8 => I:del:granted owner=- sharers=- v=8 | t4 grant node3 delete existed',
      't4 unblock => I owner=- sharers=- v=8',
    ]);
    expect(entryIsIdle(e)).toBe(true);
  });

  it('grants a run of queued evictions together and goes idle', () => {
    const e = step(PHASES['EM:getM:granted'].entry, request('t2', N1, 'evict'), request('t3', N2, 'evict'));
    const out = stepDirectory(e, { type: 'unblock', txn: 't1' });
    expect(out.actions.map(fmtAction)).toEqual(['t2 grant node1 evict', 't3 grant node2 evict']);
    expect(fmtEntry(out.entry)).toBe('I owner=- sharers=- v=7');
    expect(entryIsIdle(out.entry)).toBe(true);
  });

  it('keeps later requests queued behind a stale unblock', () => {
    expect(stepDirectory(busy, { type: 'unblock', txn: 't2' })).toEqual({ entry: busy, actions: [] });
  });
});

describe('forgetNode', () => {
  it('drops a dead owner or sharer and nothing else', () => {
    const busy: DirEntry = { ...PHASES['EM:getM:forwarding'].entry, queue: [{ txn: 't2', from: N3, kind: 'getS' }] };
    expect(forgetNode(busy, N2)).toEqual({ ...busy, owner: undefined });
    expect(forgetNode(IDLE_S, N3)).toEqual({ ...IDLE_S, sharers: [N2] });
    expect(forgetNode(IDLE_S, N1)).toEqual(IDLE_S);
    expect(entryIsIdle(forgetNode(IDLE_EM, N2))).toBe(true);
  });
});

describe('rebuildEntry', () => {
  it('rebuilds owner, sorted sharers and the newest version from survivors', () => {
    expect(rebuildEntry([])).toEqual({ owner: undefined, sharers: [], version: 0, queue: [] });
    expect(
      rebuildEntry([
        { node: N2, held: 'M', version: 9 },
        { node: N1, held: 'I', version: 4 },
      ]),
    ).toEqual({ owner: N2, sharers: [], version: 9, queue: [] });
    expect(rebuildEntry([{ node: N1, held: 'E', version: 2 }])).toEqual({
      owner: N1,
      sharers: [],
      version: 2,
      queue: [],
    });
    expect(
      rebuildEntry([
        { node: N3, held: 'S', version: 5 },
        { node: N1, held: 'S', version: 6 },
        { node: N2, held: 'I', version: 7 },
      ]),
    ).toEqual({ owner: undefined, sharers: [N1, N3], version: 7, queue: [] });
  });

  it.each([
    [
      'two owners',
      [
        { node: N1, held: 'M', version: 1 },
        { node: N2, held: 'E', version: 1 },
      ],
    ],
    [
      'two M',
      [
        { node: N1, held: 'M', version: 1 },
        { node: N2, held: 'M', version: 2 },
      ],
    ],
    [
      'an owner and a sharer',
      [
        { node: N1, held: 'E', version: 1 },
        { node: N2, held: 'S', version: 1 },
      ],
    ],
  ] as const)('refuses reports that break SWMR: %s', (_name, reports) => {
    expect(() => rebuildEntry(reports)).toThrow(ProtocolError);
  });

  it('gives an entry that serves the next request', () => {
    const rebuilt = rebuildEntry([{ node: N2, held: 'M', version: 4 }]);
    expect(drive({ start: rebuilt, from: N1, kind: 'getS', replies: { node2: 'M*' } })).toEqual(
      TRACES['EM: getS, owner had M dirty'].map((s) => s.replace(/v=3/g, 'v=4')),
    );
  });
});

describe('entryStateName and entryIsIdle', () => {
  it('name the stable states and say when an entry can go', () => {
    expect([IDLE_I, IDLE_S, IDLE_EM].map(entryStateName)).toEqual(['I', 'S', 'EM']);
    expect([IDLE_I, IDLE_S, IDLE_EM].map(entryIsIdle)).toEqual([true, false, false]);
    const queuedOnly: DirEntry = { ...IDLE_I, queue: [{ txn: 't9', from: N1, kind: 'getS' } satisfies DirRequest] };
    expect(entryIsIdle(queuedOnly)).toBe(false);
  });
});

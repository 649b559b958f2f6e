// A deterministic simulated cluster for the MESI protocol: three nodes, each
// with a cache line per key, the directory of each key on its home node, and a
// versioned memory. Every message (requests, forwards, replies, grants,
// unblocks, memory operations and their completions) goes into one bag and is
// delivered in a random order chosen by the seed, so any message can be
// delayed past any other. A node's local operations on one key are serialised,
// as the protocol's caller guarantees, and so are its write-backs (see
// WriteBackRules). The coherence checks run after every step
// (coherence-checks.ts).
import {
  INVALID_LINE,
  lineStateName,
  stepLine,
  type Line,
  type LineAction,
  type LineEvent,
  type LineStep,
  type LocalResult,
} from '../cache-line.js';
import {
  EMPTY_ENTRY,
  entryStateName,
  stepDirectory,
  type DirAction,
  type DirEntry,
  type DirEvent,
  type DirStep,
} from '../directory.js';
import type { NodeId } from '../protocol-types.js';
import { checkAnswer, checkKey, checkQuiescent, CoherenceViolation } from './coherence-checks.js';
import { Prng } from '@dss/prng';
import { SimMemory } from './sim-memory.js';
import { emptyStats, tally, type SimStats } from './sim-stats.js';
import { homeOf, KEYS, NODES } from './sim-topology.js';

export type OpKind = 'load' | 'store' | 'modify' | 'delete' | 'evict' | 'flush';

export interface SimOp {
  readonly node: NodeId;
  readonly key: string;
  readonly kind: OpKind;
}

/** The two state machines under test; a test swaps in a broken one to prove the checks bite. */
export interface Protocol {
  readonly stepLine: (line: Line, event: LineEvent) => LineStep;
  readonly stepDirectory: (entry: DirEntry, event: DirEvent) => DirStep;
}

export const REAL_PROTOCOL: Protocol = { stepLine, stepDirectory };

/**
 * What the caller guarantees about a node's write-backs of one key. A
 * write-back is fenced by version only, and a line stores without traffic, so
 * two write-backs (or a write-back and the home's write of data handed over in
 * a forward reply) can carry different values under one version, which memory
 * cannot order. So the caller runs a node's write-backs of a key one after the
 * other (`ordered`), and answers a forward only once they have finished
 * (`beforeForwards`); libs/cache does both. Tests turn each off to show it is needed.
 */
export interface WriteBackRules {
  readonly ordered: boolean;
  readonly beforeForwards: boolean;
}

export const CALLER_WRITE_BACK_RULES: WriteBackRules = { ordered: true, beforeForwards: true };

type MemOp =
  | {
      readonly kind: 'writeBack';
      readonly id: number;
      readonly node: NodeId;
      readonly value: string;
      readonly version: number;
      readonly writes: number;
    }
  | { readonly kind: 'writeMemory'; readonly txn: string; readonly value: string; readonly version: number }
  | { readonly kind: 'readMemory' | 'deleteMemory'; readonly txn: string }
  | { readonly kind: 'allocateVersion'; readonly txn: string; readonly withValue: boolean };

type Msg =
  | { readonly to: 'home'; readonly key: string; readonly event: DirEvent }
  /** `txn`: the transaction a forward or grant belongs to, which the node's reply or unblock names. */
  | {
      readonly to: 'line';
      readonly node: NodeId;
      readonly key: string;
      readonly event: LineEvent;
      readonly txn?: string;
      readonly writeBack?: number;
    }
  | { readonly to: 'memory'; readonly key: string; readonly op: MemOp };

/**
 * A local operation as issued: `value` is what a store writes (unique per op). A modify
 * appends its value to the key's (or, on an odd-numbered op, leaves a missing key
 * missing), and records what it saw and wrote when the protocol runs it.
 */
interface RunningOp extends SimOp {
  readonly value: string;
  modified?: { readonly seen: string | undefined; readonly wrote: string | undefined };
}

export interface SimOptions {
  readonly protocol?: Protocol;
  /** Chance per step of issuing the next operation rather than delivering a message. */
  readonly issueChance?: number;
  readonly writeBackRules?: WriteBackRules;
}

const nk = (node: NodeId, key: string): string => `${node}/${key}`;

export class MesiSim {
  readonly memory = new SimMemory();
  readonly lines = new Map<string, Line>();
  readonly dirs = new Map<string, DirEntry>();
  /** The value of the newest write that took effect (absent after a delete). */
  readonly latest = new Map<string, string | undefined>();
  readonly stats: SimStats = emptyStats();
  private readonly bag: Msg[] = [];
  private readonly rng: Prng;
  private readonly protocol: Protocol;
  private readonly issueChance: number;
  private readonly writeBackRules: WriteBackRules;
  /** Per node and key, the write-backs sent whose completion the line has not yet seen, oldest first. */
  private readonly writeBacks = new Map<string, number[]>();
  private writeBackCounter = 0;
  private readonly running = new Map<string, RunningOp>();
  private readonly waiting = new Map<string, RunningOp[]>();
  /** Ops issued but not yet answered (flushes count as answered at once). */
  private outstanding = 0;
  private txnCounter = 0;
  private valueCounter = 0;

  constructor(seed: number, options: SimOptions = {}) {
    this.rng = new Prng(seed);
    this.protocol = options.protocol ?? REAL_PROTOCOL;
    this.issueChance = options.issueChance ?? 0.3;
    this.writeBackRules = options.writeBackRules ?? CALLER_WRITE_BACK_RULES;
  }

  line(node: NodeId, key: string): Line {
    return this.lines.get(nk(node, key)) ?? INVALID_LINE;
  }

  /** The key's directory entry, kept on its home node. */
  dir(key: string): DirEntry {
    return this.dirs.get(nk(homeOf(key), key)) ?? EMPTY_ENTRY;
  }

  /** The dirty data an old owner has sent the home in reply to the running transaction, if it is still on its way. */
  dirtyReplyInFlight(key: string): string | undefined {
    const txn = this.dir(key).txn?.req.txn;
    for (const m of this.bag) {
      if (m.to === 'home' && m.key === key && m.event.type === 'reply' && m.event.txn === txn && m.event.reply.dirty)
        return m.event.reply.value;
    }
    return undefined;
  }

  /** Runs the ops (issued in order, interleaved with random deliveries) until nothing is in flight, then checks the end state. */
  run(ops: readonly SimOp[]): SimStats {
    let next = 0;
    for (;;) {
      const canIssue = next < ops.length;
      if (!canIssue && this.bag.length === 0) break;
      if (canIssue && (this.bag.length === 0 || this.rng.next() < this.issueChance)) this.issue(ops[next++]);
      else this.deliverRandom();
      this.stats.steps++;
      this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.bag.length);
    }
    if (this.outstanding > 0 || this.running.size > 0) {
      throw new CoherenceViolation(
        `deadlock: nothing in flight but ${this.outstanding} ops unanswered (${[...this.running.keys()].join(', ')})`,
      );
    }
    for (const key of KEYS) checkQuiescent(this, key);
    this.flushAll();
    return this.stats;
  }

  /** Writes every dirty line back and checks memory then holds the newest write of every key. */
  private flushAll(): void {
    for (const node of NODES) for (const key of KEYS) this.applyLine(node, key, { type: 'flush' });
    while (this.bag.length > 0) this.deliverRandom();
    for (const key of KEYS) {
      const mem = this.memory.read(key).value;
      if (mem !== this.latest.get(key))
        throw new CoherenceViolation(
          `${key}: after flushing, memory has ${mem} but the newest write is ${this.latest.get(key)}`,
        );
    }
  }

  private issue(op: SimOp): void {
    const running: RunningOp = { ...op, value: `v${++this.valueCounter}` };
    this.outstanding++;
    const id = nk(op.node, op.key);
    if (this.running.has(id)) {
      this.waiting.set(id, [...(this.waiting.get(id) ?? []), running]);
      return;
    }
    this.start(running);
  }

  private start(op: RunningOp): void {
    const id = nk(op.node, op.key);
    this.running.set(id, op);
    const event: LineEvent =
      op.kind === 'store'
        ? { type: 'store', value: op.value }
        : op.kind === 'modify'
          ? { type: 'modify', fn: modifier(op, this.valueCounter) }
          : { type: op.kind };
    this.applyLine(op.node, op.key, event);
    // A flush answers nothing: it is done once its write-back (if any) is on its way.
    if (op.kind === 'flush' && this.running.get(id) === op) this.finish(id);
  }

  private finish(id: string): void {
    this.running.delete(id);
    this.outstanding--;
    this.stats.completedOps++;
    const [nextOp, ...rest] = this.waiting.get(id) ?? [];
    this.waiting.set(id, rest);
    if (nextOp) this.start(nextOp);
  }

  private deliverRandom(): void {
    const ready = this.bag.flatMap((m, i) => (this.deliverable(m) ? [i] : []));
    if (ready.length === 0) throw new CoherenceViolation('simulation stuck: no message can be delivered');
    this.deliver(this.bag.splice(ready[this.rng.below(ready.length)], 1)[0]);
  }

  /** A write-back may wait for the node's earlier ones, and a forward for all of them (WriteBackRules). */
  private deliverable(msg: Msg): boolean {
    const { ordered, beforeForwards } = this.writeBackRules;
    if (ordered && msg.to === 'memory' && msg.op.kind === 'writeBack')
      return this.writeBacks.get(nk(msg.op.node, msg.key))?.[0] === msg.op.id;
    if (beforeForwards && msg.to === 'line' && msg.event.type === 'forward')
      return (this.writeBacks.get(nk(msg.node, msg.key)) ?? []).length === 0;
    return true;
  }

  private deliver(msg: Msg): void {
    switch (msg.to) {
      case 'home':
        this.applyDir(msg.key, msg.event);
        return;
      case 'line':
        if (msg.writeBack !== undefined)
          this.writeBacks.set(
            nk(msg.node, msg.key),
            without(this.writeBacks.get(nk(msg.node, msg.key)), msg.writeBack),
          );
        this.applyLine(msg.node, msg.key, msg.event, msg.txn);
        return;
      case 'memory':
        this.applyMemory(msg.key, msg.op);
        return;
    }
  }

  private applyLine(node: NodeId, key: string, event: LineEvent, txn?: string): void {
    const before = this.line(node, key);
    if (event.type === 'forward' && before.pending) this.stats.forwardsWhilePending++;
    const { line, actions } = this.protocol.stepLine(before, event);
    this.lines.set(nk(node, key), line);
    tally(this.stats.lineStates, lineStateName(line).replace(/^M/, line.dirty ? 'M*' : 'M'));
    let answered = false;
    for (const a of actions) answered = this.onLineAction(node, key, a, event, txn) || answered;
    checkKey(this, key, `${node} ${eventName(event)}`);
    if (answered) this.finish(nk(node, key));
  }

  /** Performs one action of a line; true when it answered the running local op. */
  private onLineAction(node: NodeId, key: string, a: LineAction, event: LineEvent, txn: string | undefined): boolean {
    switch (a.type) {
      case 'answer': {
        const op = this.running.get(nk(node, key));
        if (!op) throw new CoherenceViolation(`${node} ${key}: answer ${JSON.stringify(a.result)} with no op running`);
        if (event.type === 'load') this.stats.localHits++;
        if (event.type === 'grant') tally(this.stats.grants, grantName(event, a.result));
        // A write takes effect, and a read is checked, at the instant it is answered.
        checkAnswer(this, node, key, op, a.result);
        if (a.result.op === 'write') this.latest.set(key, op.value);
        if (a.result.op === 'modify' && op.modified?.wrote !== undefined) this.latest.set(key, op.modified.wrote);
        if (a.result.op === 'delete') this.latest.set(key, undefined);
        return true;
      }
      case 'request': {
        const req = { txn: `t${++this.txnCounter}`, from: node, kind: a.kind, ...(a.shared ? { shared: true } : {}) };
        this.bag.push({ to: 'home', key, event: { type: 'request', req } });
        return false;
      }
      case 'unblock':
        if (!txn) throw new CoherenceViolation(`${node} ${key}: unblock outside a grant`);
        this.bag.push({ to: 'home', key, event: { type: 'unblock', txn } });
        return false;
      case 'reply':
        if (!txn) throw new CoherenceViolation(`${node} ${key}: reply outside a forward`);
        this.bag.push({ to: 'home', key, event: { type: 'reply', txn, from: node, reply: a.reply } });
        return false;
      case 'writeBack': {
        const id = ++this.writeBackCounter;
        this.writeBacks.set(nk(node, key), [...(this.writeBacks.get(nk(node, key)) ?? []), id]);
        this.bag.push({
          to: 'memory',
          key,
          op: { kind: 'writeBack', id, node, value: a.value, version: a.version, writes: a.writes },
        });
        return false;
      }
    }
  }

  private applyDir(key: string, event: DirEvent): void {
    const before = this.dir(key);
    if (event.type === 'request' && before.txn) this.stats.queuedRequests++;
    if (event.type === 'reply' && event.reply.dirty && before.txn?.req.txn === event.txn) this.stats.dirtyHandoffs++;
    const { entry, actions } = this.protocol.stepDirectory(before, event);
    this.dirs.set(nk(homeOf(key), key), entry);
    tally(this.stats.dirStates, entryStateName(entry));
    for (const a of actions) this.onDirAction(key, a);
    checkKey(this, key, `home of ${key} ${event.type}`);
  }

  private onDirAction(key: string, a: DirAction): void {
    switch (a.type) {
      case 'forward':
        this.bag.push({ to: 'line', node: a.to, key, event: { type: 'forward', kind: a.kind }, txn: a.txn });
        return;
      case 'grant':
        this.bag.push({ to: 'line', node: a.to, key, event: { type: 'grant', grant: a.grant }, txn: a.txn });
        return;
      case 'writeMemory':
        this.bag.push({
          to: 'memory',
          key,
          op: { kind: 'writeMemory', txn: a.txn, value: a.value, version: a.version },
        });
        return;
      case 'readMemory':
      case 'deleteMemory':
        this.bag.push({ to: 'memory', key, op: { kind: a.type, txn: a.txn } });
        return;
      case 'allocateVersion':
        this.bag.push({
          to: 'memory',
          key,
          op: { kind: 'allocateVersion', txn: a.txn, withValue: a.withValue === true },
        });
        return;
    }
  }

  /** Memory acts when the operation reaches it; its answer travels back through the bag. */
  private applyMemory(key: string, op: MemOp): void {
    const home = (event: DirEvent): void => void this.bag.push({ to: 'home', key, event });
    switch (op.kind) {
      case 'writeBack':
        if (!this.memory.write(key, op.value, op.version)) this.stats.rejectedWriteBacks++;
        this.bag.push({
          to: 'line',
          node: op.node,
          key,
          event: { type: 'writeBackDone', writes: op.writes },
          writeBack: op.id,
        });
        break;
      case 'writeMemory':
        if (!this.memory.write(key, op.value, op.version)) this.stats.rejectedWriteBacks++;
        home({ type: 'memoryWritten', txn: op.txn });
        break;
      case 'readMemory': {
        const cell = this.memory.read(key);
        home({
          type: 'memoryRead',
          txn: op.txn,
          version: cell.version,
          ...(cell.value === undefined ? {} : { value: cell.value }),
        });
        break;
      }
      case 'allocateVersion': {
        const version = this.memory.allocate(key);
        const value = this.memory.read(key).value;
        home({
          type: 'versionAllocated',
          txn: op.txn,
          version,
          ...(op.withValue ? { current: value === undefined ? {} : { value } } : {}),
        });
        break;
      }
      case 'deleteMemory':
        home({ type: 'memoryDeleted', txn: op.txn, ...this.memory.delete(key) });
        break;
    }
    checkKey(this, key, `memory ${op.kind}`);
  }
}

const without = (ids: readonly number[] | undefined, id: number): number[] => (ids ?? []).filter((i) => i !== id);

/** The modify of op number `n`: appends to the value, or on odd n leaves a missing key missing (the unchanged path). */
function modifier(op: RunningOp, n: number): (current: string | undefined) => string | undefined {
  return (current) => {
    if (op.modified) throw new CoherenceViolation(`${op.node} ${op.key}: a modify ran twice`);
    const wrote = current === undefined && n % 2 === 1 ? undefined : `${current ?? ''}+${op.value}`;
    op.modified = { seen: current, wrote };
    return wrote;
  };
}

/** A grant's name for the stats; a modify's ownership came with memory's value or on its own shared copy. */
function grantName(event: Extract<LineEvent, { type: 'grant' }>, result?: LocalResult): string {
  const g = event.grant;
  if (g.kind === 'read') return g.state === 'I' ? 'read-I' : `read-${g.state}-${g.source}`;
  if (g.kind === 'write' && result?.op === 'modify') return g.current ? 'write-with-value' : 'write-on-shared-copy';
  return g.kind;
}

function eventName(event: LineEvent): string {
  switch (event.type) {
    case 'forward':
      return `forward ${event.kind}`;
    case 'grant':
      return `grant ${grantName(event)}`;
    case 'writeBackDone':
      return `writeBackDone ${event.writes}`;
    default:
      return event.type;
  }
}

// Simulated network on the virtual clock: per-message loss, random delay (which
// reorders), rare long delays, duplication, and arbitrary (also one-way) cuts.
import { isMessage, type Message, type NodeId } from '../core/index.js';
import type { Prng } from '@dss/prng';

export interface NetworkOptions {
  /** Probability a message is dropped. */
  readonly loss: number;
  /** Delivery delay range in virtual ms (>= 1). */
  readonly minDelay: number;
  readonly maxDelay: number;
  /** Probability a message is instead held for up to longDelayMax ms (long reordering). */
  readonly longDelayChance: number;
  readonly longDelayMax: number;
  /** Probability a message is delivered twice. */
  readonly duplicate: number;
  /** Round-trip every message through JSON and the wire guard, as a real transport would. */
  readonly serialize?: boolean;
}

export const RELIABLE: NetworkOptions = Object.freeze({
  loss: 0,
  minDelay: 1,
  maxDelay: 5,
  longDelayChance: 0,
  longDelayMax: 0,
  duplicate: 0,
});

export const UNRELIABLE: NetworkOptions = Object.freeze({
  loss: 0.1,
  minDelay: 1,
  maxDelay: 27,
  longDelayChance: 0,
  longDelayMax: 0,
  duplicate: 0.02,
});

/** MIT's "long reordering": some messages arrive many election timeouts late. */
export const UNRELIABLE_LONG_REORDER: NetworkOptions = Object.freeze({
  ...UNRELIABLE,
  longDelayChance: 0.1,
  longDelayMax: 1500,
});

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly msg: Message;
}

export class SimNetwork {
  options: NetworkOptions;
  /** Messages handed to the network, by type (drops included). */
  readonly sent = new Map<Message['type'], number>();
  /** Entries carried by append messages, summed over messages. */
  entriesSent = 0;
  /** Rejected append answers, by sender. */
  private readonly rejects = new Map<NodeId, number>();
  private readonly queue = new Map<number, InFlight[]>();
  private readonly cuts = new Set<string>();
  private seq = 0;

  constructor(
    private readonly rng: Prng,
    options: NetworkOptions = RELIABLE,
  ) {
    this.options = options;
  }

  /** Can `from` currently reach `to`? */
  connected(from: NodeId, to: NodeId): boolean {
    return !this.cuts.has(`${from}>${to}`);
  }

  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`);
  }

  mend(from: NodeId, to: NodeId): void {
    this.cuts.delete(`${from}>${to}`);
  }

  /** Only nodes in the same group can talk. Nodes in no group are left as they were. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut(x, y);
      }
    }
  }

  isolate(id: NodeId, all: readonly NodeId[]): void {
    for (const other of all) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  rejoin(id: NodeId, all: readonly NodeId[]): void {
    for (const other of all) {
      this.mend(id, other);
      this.mend(other, id);
    }
  }

  heal(): void {
    this.cuts.clear();
  }

  send(m: Message, now: number): void {
    this.sent.set(m.type, (this.sent.get(m.type) ?? 0) + 1);
    if (m.type === 'app') this.entriesSent += m.entries.length;
    if (m.type === 'appResp' && m.reject) this.rejects.set(m.from, (this.rejects.get(m.from) ?? 0) + 1);
    const o = this.options;
    if (!this.connected(m.from, m.to) || this.rng.chance(o.loss)) return;
    if (o.serialize === true) {
      const wire: unknown = JSON.parse(JSON.stringify(m));
      if (!isMessage(wire)) throw new Error(`network: message does not survive JSON: ${JSON.stringify(m)}`);
      m = wire;
    }
    const copies = this.rng.chance(o.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.rng.chance(o.longDelayChance)
        ? this.rng.int(o.maxDelay, Math.max(o.maxDelay, o.longDelayMax))
        : this.rng.int(o.minDelay, o.maxDelay);
      const at = now + Math.max(1, delay);
      const bucket = this.queue.get(at);
      const item = { at, seq: this.seq++, msg: m };
      if (bucket === undefined) this.queue.set(at, [item]);
      else bucket.push(item);
    }
  }

  /** Messages due at `now`, still deliverable over the current cuts. */
  due(now: number): Message[] {
    const bucket = this.queue.get(now);
    if (bucket === undefined) return [];
    this.queue.delete(now);
    return bucket.filter((f) => this.connected(f.msg.from, f.msg.to)).map((f) => f.msg);
  }

  totalSent(): number {
    let n = 0;
    for (const v of this.sent.values()) n += v;
    return n;
  }

  countOf(...types: Message['type'][]): number {
    return types.reduce((n, t) => n + (this.sent.get(t) ?? 0), 0);
  }

  rejectsFrom(id: NodeId): number {
    return this.rejects.get(id) ?? 0;
  }

  resetCounters(): void {
    this.rejects.clear();
    this.sent.clear();
    this.entriesSent = 0;
  }

  inFlight(): number {
    let n = 0;
    for (const b of this.queue.values()) n += b.length;
    return n;
  }
}

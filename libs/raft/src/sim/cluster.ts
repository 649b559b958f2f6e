// A deterministic Raft cluster on a virtual clock (1 unit = 1 virtual ms): N
// SimNodes, a SimNetwork and a SafetyChecker, plus the helpers of the MIT 6.5840
// test harness (checkOneLeader, one, nCommitted, disconnect, crash/restart...).
import type { Message, NodeId, RaftCore } from '../core/index.js';
import { SafetyChecker } from './checker.js';
import { RELIABLE, SimNetwork, type NetworkOptions } from './network.js';
import { Prng } from '@dss/prng';
import { SimNode, type CoreTuning } from './sim-node.js';

export interface ClusterOptions {
  readonly size?: number;
  readonly seed?: number;
  /** Virtual ms per Raft tick. Default 10 (so elections time out after 100-200 ms). */
  readonly tickMs?: number;
  readonly raft?: CoreTuning;
  readonly network?: NetworkOptions;
}

export class Cluster {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, SimNode>();
  readonly net: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly rng: Prng;
  readonly tickMs: number;
  now = 0;
  /** Nodes cut off from everyone by disconnect() (MIT's notion of "connected"). */
  private readonly disconnected = new Set<NodeId>();
  /** Per-node tick phase, so clocks are not in lockstep. */
  private readonly phase = new Map<NodeId, number>();

  constructor(opts: ClusterOptions = {}) {
    const size = opts.size ?? 3;
    this.rng = new Prng(opts.seed ?? 1);
    this.tickMs = opts.tickMs ?? 10;
    this.ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
    this.net = new SimNetwork(this.rng.fork(), opts.network ?? RELIABLE);
    for (const id of this.ids) {
      const node = new SimNode(id, this.ids, opts.raft ?? {}, this.rng.fork(), this.checker);
      this.nodes.set(id, node);
      this.phase.set(id, this.rng.int(0, this.tickMs - 1));
      node.start();
    }
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).requireCore();
  }

  // ------------------------------------------------------------ the clock

  /**
   * One virtual ms: deliver due messages, tick the nodes whose tick falls now, run
   * `beforeReady` (faults injected there catch nodes with unpersisted state), then
   * let every node handle its Ready.
   */
  step(beforeReady?: () => void): void {
    this.now++;
    for (const m of this.net.due(this.now)) {
      const target = this.nodes.get(m.to);
      if (target?.core) target.core.step(m);
    }
    for (const [id, node] of this.nodes) {
      if (node.core && (this.now + (this.phase.get(id) ?? 0)) % this.tickMs === 0) node.core.tick();
    }
    beforeReady?.();
    const send = (m: Message): void => this.net.send(m, this.now);
    const leaders = (): ReadonlyArray<[NodeId, RaftCore]> => this.leaderCores();
    for (const node of this.nodes.values()) node.handleReady(this.now, send, leaders);
  }

  run(ms: number, beforeReady?: () => void): void {
    for (let i = 0; i < ms; i++) this.step(beforeReady);
  }

  /** Runs until `done()` holds (checked every ms); false if `maxMs` passed first. */
  runUntil(done: () => boolean, maxMs: number): boolean {
    for (let i = 0; i < maxMs; i++) {
      if (done()) return true;
      this.step();
    }
    return done();
  }

  // ------------------------------------------------------------ faults

  disconnect(id: NodeId): void {
    this.disconnected.add(id);
    this.net.isolate(id, this.ids);
  }

  connect(id: NodeId): void {
    this.disconnected.delete(id);
    this.net.rejoin(id, this.ids);
    // rejoin() mends every link of id; re-cut those to nodes still disconnected.
    for (const other of this.disconnected) this.net.isolate(other, this.ids);
  }

  /** Only nodes within one group can talk. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.net.heal();
    this.disconnected.clear();
    this.net.partition(groups);
  }

  heal(): void {
    this.net.heal();
    this.disconnected.clear();
  }

  isConnected(id: NodeId): boolean {
    return !this.disconnected.has(id);
  }

  crash(id: NodeId): void {
    this.node(id).crash();
  }

  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.alive) n.crash();
    n.start();
  }

  setNetwork(options: NetworkOptions): void {
    this.net.options = options;
  }

  // ------------------------------------------------------------ observations

  alive(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  leaderCores(): Array<[NodeId, RaftCore]> {
    return this.alive()
      .filter((n) => n.isLeader())
      .map((n) => [n.id, n.requireCore()]);
  }

  /** Leaders among alive, connected nodes, by term. */
  private connectedLeaders(): Map<number, NodeId[]> {
    const byTerm = new Map<number, NodeId[]>();
    for (const n of this.alive()) {
      if (!this.isConnected(n.id) || !n.isLeader()) continue;
      const term = n.requireCore().status().term;
      byTerm.set(term, [...(byTerm.get(term) ?? []), n.id]);
    }
    return byTerm;
  }

  /**
   * MIT checkOneLeader: waits until some connected node leads; fails on two leaders
   * in one term; returns the leader of the newest term.
   */
  checkOneLeader(maxMs = 5000): NodeId {
    const deadline = this.now + maxMs;
    while (this.now < deadline) {
      this.run(50);
      const byTerm = this.connectedLeaders();
      let best: NodeId | null = null;
      let bestTerm = -1;
      for (const [term, ids] of byTerm) {
        if (ids.length > 1) throw new Error(`term ${term} has ${ids.length} leaders: ${ids.join(',')}`);
        if (term > bestTerm) {
          bestTerm = term;
          best = ids[0];
        }
      }
      if (best !== null) return best;
    }
    throw new Error(`no leader elected within ${maxMs} ms (t=${this.now})`);
  }

  checkNoLeader(): void {
    for (const n of this.alive()) {
      if (this.isConnected(n.id) && n.isLeader()) throw new Error(`unexpected leader ${n.id}`);
    }
  }

  /** The term every connected node agrees on (throws if they disagree). */
  checkTerms(): number {
    let term = -1;
    for (const n of this.alive()) {
      if (!this.isConnected(n.id)) continue;
      const t = n.requireCore().status().term;
      if (term === -1) term = t;
      else if (t !== term) throw new Error(`servers disagree on term: ${term} vs ${t}`);
    }
    return term;
  }

  /** How many nodes applied `index`, and the command there (checker guarantees they agree). */
  nCommitted(index: number): { count: number; cmd: string | undefined } {
    let count = 0;
    let cmd: string | undefined;
    for (const n of this.alive()) {
      if (n.sm.lastApplied < index) continue;
      count++;
      cmd ??= n.sm.commandAt(index);
    }
    return { count, cmd };
  }

  /**
   * MIT one(): submit `cmd` to whichever node leads, wait for `expected` nodes to
   * apply it; with `retry`, resubmit after a leader change. Returns its index.
   */
  one(cmd: string, expected: number, retry = true, maxMs = 10000): number {
    const deadline = this.now + maxMs;
    let start = 0;
    while (this.now < deadline) {
      let index = -1;
      for (let i = 0; i < this.ids.length; i++) {
        const node = this.node(this.ids[(start + i) % this.ids.length]);
        if (!this.isConnected(node.id)) continue;
        const receipt = node.tryPropose(cmd);
        if (receipt !== null) {
          index = receipt.index;
          break;
        }
      }
      start = (start + 1) % this.ids.length;
      if (index !== -1) {
        const t1 = Math.min(this.now + 2000, deadline);
        while (this.now < t1) {
          const { count, cmd: got } = this.nCommitted(index);
          if (count >= expected && got === cmd) return index;
          this.run(10);
        }
        if (!retry) throw new Error(`one(${cmd}) failed to reach agreement (t=${this.now})`);
      } else {
        this.run(50);
      }
    }
    throw new Error(`one(${cmd}) failed to reach agreement within ${maxMs} ms (t=${this.now})`);
  }

  /** Pairwise Log Matching over the current logs: equal (index, term) means equal prefixes. */
  checkLogMatching(): void {
    const cores = this.alive().map((n) => n.requireCore());
    for (let a = 0; a < cores.length; a++) {
      for (let b = a + 1; b < cores.length; b++) {
        const sa = cores[a].status();
        const sb = cores[b].status();
        const lo = Math.max(sa.firstIndex, sb.firstIndex);
        let matched = false;
        for (let i = Math.min(sa.lastIndex, sb.lastIndex); i >= lo; i--) {
          const ea = cores[a].logEntries(i, i + 1)?.[0];
          const eb = cores[b].logEntries(i, i + 1)?.[0];
          if (ea === undefined || eb === undefined) break;
          if (!matched && ea.term === eb.term) matched = true;
          if (matched && (ea.term !== eb.term || ea.data !== eb.data || ea.type !== eb.type)) {
            throw new Error(`log matching: ${sa.id} and ${sb.id} differ at ${i} below a common entry`);
          }
        }
      }
    }
  }
}

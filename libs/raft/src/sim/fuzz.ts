// Randomized fault schedules for the safety checker: one seed decides the cluster
// size, tuning, and every fault (loss, delay/reorder, partitions, crashes with
// unpersisted state, restarts, compactions, transfers) plus proposals and reads.
// The SafetyChecker asserts the invariants at every step; at the end faults heal
// and a fresh proposal must commit everywhere within a bounded time (liveness).
import { Cluster } from './cluster.js';
import { RELIABLE, UNRELIABLE, UNRELIABLE_LONG_REORDER, type NetworkOptions } from './network.js';
import { Prng } from '@dss/prng';

export interface FuzzOptions {
  /** Virtual ms of faults before healing. */
  readonly chaosMs?: number;
  /** After healing, a proposal must be applied by every node within this many virtual ms. */
  readonly livenessMs?: number;
}

export interface FuzzResult {
  readonly seed: number;
  readonly size: number;
  readonly committed: number;
  readonly crashes: number;
  readonly snapshotsSent: number;
  readonly reads: number;
  readonly leaders: number;
  readonly virtualMs: number;
}

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

const PROFILES: readonly NetworkOptions[] = [
  RELIABLE,
  UNRELIABLE,
  UNRELIABLE_LONG_REORDER,
  { ...RELIABLE, loss: 0.3, maxDelay: 10 },
];

export function fuzzSeed(seed: number, opts: FuzzOptions = {}): FuzzResult {
  const chaosMs = opts.chaosMs ?? 3000;
  const livenessMs = opts.livenessMs ?? 5000;
  const rng = new Prng(seed * 2654435761);
  const size = rng.pick([3, 3, 5, 5, 1, 4]);
  const cluster = new Cluster({
    size,
    seed,
    network: rng.pick(PROFILES),
    raft: {
      preVote: rng.chance(0.8),
      checkQuorum: rng.chance(0.8),
      maxEntriesPerMsg: rng.pick([1, 3, 64]),
      maxInflight: rng.pick([1, 4, 256]),
      // 3 is the driver's default (RAFT_DEFAULTS).
      heartbeatTicks: rng.pick([1, 1, 2, 3]),
    },
  });
  // Some seeds crash often, and mostly leaders: that is where Figure 8 histories come from.
  const crashRate = rng.pick([0.0005, 0.0015, 0.004]);
  const trace: string[] = [];
  const log = (s: string): void => {
    trace.push(`t=${cluster.now} ${s}`);
    if (trace.length > 40) trace.shift();
  };
  let crashes = 0;
  let cmd = 0;
  let reads = 0;

  const fail = (e: unknown): never => {
    const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
    throw new FuzzFailure(
      `seed ${seed} failed at t=${cluster.now}: ${why}\n` +
        `replay: DSS_RAFT_SEED=${seed} npx jest libs/raft/src/sim/safety-checker.spec.ts\n` +
        `last events:\n  ${trace.join('\n  ')}`,
    );
  };

  let healed = false;
  // Disks of different speeds: a leader's write then overlaps its followers' (it sends
  // first), and a node may crash while writing or right after a write nobody heard of.
  for (const node of cluster.nodes.values()) {
    node.diskMs = rng.pick([0, 0, 1, 2, 5]);
    node.crashAfterWrite = () => {
      if (healed || !rng.chance(crashRate / 4)) return false;
      log(`crash ${node.id} after a write, before its messages`);
      crashes++;
      return true;
    };
  }

  const crashMidStep = (): void => {
    // Here nodes may hold state they have not persisted yet: a crash now loses it.
    if (!rng.chance(crashRate)) return;
    const leader = cluster.alive().find((n) => n.isLeader());
    const victim = leader !== undefined && rng.chance(0.6) ? leader : rng.pick(cluster.alive());
    log(`crash ${victim.id}`);
    victim.crash();
    crashes++;
  };

  try {
    for (let t = 0; t < chaosMs; t++) {
      cluster.step(cluster.alive().length > 0 ? crashMidStep : undefined);
      const alive = cluster.alive();
      const down = [...cluster.nodes.values()].filter((n) => !n.alive);
      const r = rng.next();
      if (r < 0.05 && alive.length > 0) {
        const n = rng.pick(alive);
        if (n.tryPropose(`s${seed}-c${cmd}`) !== null) log(`propose c${cmd} at ${n.id}`);
        cmd++;
      } else if (r < 0.06 && alive.length > 0) {
        const n = rng.pick(alive);
        if (n.tryRead(`r${reads}`)) reads++;
      } else if (r < 0.064 && alive.length > 0) {
        const n = rng.pick(alive);
        if (n.compact()) log(`compact ${n.id} at ${n.sm.lastApplied}`);
      } else if (r < 0.068 && down.length > 0) {
        const n = rng.pick(down);
        log(`restart ${n.id}`);
        n.start();
      } else if (r < 0.0695) {
        const p = rng.pick(PROFILES);
        log(`network loss=${p.loss} delay<=${p.maxDelay} long=${p.longDelayChance}`);
        cluster.setNetwork(p);
      } else if (r < 0.0715) {
        const shuffled = rng.shuffle(cluster.ids);
        const k = rng.int(1, Math.max(1, shuffled.length - 1));
        const kind = rng.int(0, 2);
        if (kind === 0) {
          log(`partition ${shuffled.slice(0, k)} | ${shuffled.slice(k)}`);
          cluster.partition([shuffled.slice(0, k), shuffled.slice(k)]);
        } else if (kind === 1 && shuffled.length > 1) {
          log(`one-way cut ${shuffled[0]} -> ${shuffled[1]}`);
          cluster.net.cut(shuffled[0], shuffled[1]);
        } else {
          log(`disconnect ${shuffled[0]}`);
          cluster.disconnect(shuffled[0]);
        }
      } else if (r < 0.074) {
        log('heal');
        cluster.heal();
      } else if (r < 0.0745) {
        const leader = alive.find((n) => n.isLeader());
        if (leader !== undefined && cluster.ids.length > 1) {
          const to = rng.pick(cluster.ids.filter((id) => id !== leader.id));
          if (to !== undefined) {
            log(`transfer ${leader.id} -> ${to}`);
            leader.requireCore().transferLeadership(to);
          }
        }
      }
    }

    // Heal everything; the cluster must make progress again.
    log('heal all');
    healed = true;
    cluster.heal();
    cluster.setNetwork(RELIABLE);
    for (const n of cluster.nodes.values()) if (!n.alive) n.start();
    const final = `s${seed}-final`;
    const deadline = cluster.now + livenessMs;
    // Proposals may be lost to leader changes: re-propose every 500 ms, wait for any copy.
    const indexes: number[] = [];
    let lastProposal = -Infinity;
    const committedEverywhere = (): boolean =>
      indexes.some((i) => {
        const { count, cmd: got } = cluster.nCommitted(i);
        return count === cluster.ids.length && got === final;
      });
    while (cluster.now < deadline && !committedEverywhere()) {
      if (cluster.now - lastProposal >= 500) {
        for (const n of cluster.alive()) {
          const receipt = n.tryPropose(final);
          if (receipt !== null) {
            indexes.push(receipt.index);
            lastProposal = cluster.now;
          }
        }
      }
      cluster.run(10);
    }
    if (!committedEverywhere()) {
      const st = cluster.alive().map((n) => JSON.stringify({ ...n.requireCore().status(), progress: undefined }));
      throw new Error(
        `liveness: no proposal committed on all nodes within ${livenessMs} ms of healing\n  ${st.join('\n  ')}`,
      );
    }
    cluster.checkLogMatching();
  } catch (e) {
    fail(e);
  }
  return {
    seed,
    size,
    committed: cluster.checker.committed.size,
    crashes,
    snapshotsSent: cluster.net.countOf('snapshot'),
    reads: cluster.alive().reduce((n, x) => n + x.completedReads.length, 0),
    leaders: cluster.checker.leaderOfTerm.size,
    virtualMs: cluster.now,
  };
}

// The lock leader's decisions about Redis, as pure functions of what it
// observed (docs/redis-failover.md): keep the servers as the committed
// topology says (reconcile), or - when the primary has missed enough probes -
// fence the replicas and promote the one that holds every acknowledged write.
import { coverage, type ReplicationInfo } from './replication-info.js';
import type { RedisTopology } from './topology.js';

export interface RedisNodeAddress {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** One probe of one node: its INFO replication, or why it could not be read. */
export type Probe =
  { readonly id: string; readonly info: ReplicationInfo } | { readonly id: string; readonly error: string };

/** What the leader remembers between probes; starts empty when it becomes leader. */
export interface PlannerMemory {
  /** The epoch the figures below belong to. */
  readonly epoch: number;
  /** Consecutive failed probes per node. */
  readonly misses: ReadonlyMap<string, number>;
  /** The primary's replication ID when it was last seen, this epoch. */
  readonly primaryReplid?: string;
}

export const EMPTY_MEMORY: PlannerMemory = { epoch: -1, misses: new Map() };

export type ReconcileStep =
  | { readonly node: string; readonly action: 'promote' }
  | { readonly node: string; readonly action: 'follow'; readonly primary: string };

export type Plan =
  | { readonly kind: 'steady' }
  | { readonly kind: 'reconcile'; readonly steps: readonly ReconcileStep[] }
  /** Detach these replicas from the lost primary (REPLICAOF NO ONE), then call choosePrimary. */
  | { readonly kind: 'fence'; readonly nodes: readonly string[]; readonly reason: string }
  | { readonly kind: 'blocked'; readonly reason: string };

export type Choice =
  | { readonly kind: 'promote'; readonly primary: string; readonly reason: string }
  | { readonly kind: 'blocked'; readonly reason: string };

const hasInfo = (p: Probe | undefined): p is { id: string; info: ReplicationInfo } => p !== undefined && 'info' in p;

/** The memory after a round of probes. */
export function observe(memory: PlannerMemory, topology: RedisTopology, probes: readonly Probe[]): PlannerMemory {
  const fresh = memory.epoch !== topology.epoch;
  const misses = new Map(fresh ? [] : memory.misses);
  for (const p of probes) misses.set(p.id, hasInfo(p) ? 0 : (misses.get(p.id) ?? 0) + 1);
  const primary = probes.find((p) => p.id === topology.primary);
  const primaryReplid =
    hasInfo(primary) && primary.info.role === 'master' ? primary.info.replid : fresh ? undefined : memory.primaryReplid;
  return { epoch: topology.epoch, misses, ...(primaryReplid !== undefined ? { primaryReplid } : {}) };
}

/**
 * Replicas that must be reached (and fenced) before a failover: n - k of
 * them meet every set of k replicas that confirmed a write, and leave fewer
 * than k following the old primary. Never more than there are replicas.
 */
export function replicasNeeded(nodeCount: number, replicasToAck: number): number {
  return Math.min(nodeCount - replicasToAck, nodeCount - 1);
}

export function plan(
  nodes: readonly RedisNodeAddress[],
  topology: RedisTopology,
  probes: readonly Probe[],
  memory: PlannerMemory,
  replicasToAck: number,
  downAfterProbes: number,
): Plan {
  const byId = new Map(probes.map((p) => [p.id, p]));
  const primaryNode = nodes.find((n) => n.id === topology.primary)!;
  const primary = byId.get(topology.primary);
  if (hasInfo(primary)) {
    const steps: ReconcileStep[] = [];
    if (primary.info.role !== 'master') steps.push({ node: primaryNode.id, action: 'promote' });
    for (const n of nodes) {
      const p = byId.get(n.id);
      if (n.id === topology.primary || !hasInfo(p)) continue;
      const follows =
        p.info.role === 'slave' && p.info.masterHost === primaryNode.host && p.info.masterPort === primaryNode.port;
      if (!follows) steps.push({ node: n.id, action: 'follow', primary: topology.primary });
    }
    return steps.length > 0 ? { kind: 'reconcile', steps } : { kind: 'steady' };
  }
  const missed = memory.misses.get(topology.primary) ?? 0;
  if (missed < downAfterProbes) return { kind: 'steady' };
  const reachable = nodes.filter((n) => n.id !== topology.primary && hasInfo(byId.get(n.id))).map((n) => n.id);
  const needed = replicasNeeded(nodes.length, replicasToAck);
  if (nodes.length < 2 || reachable.length < needed) {
    return {
      kind: 'blocked',
      reason: `primary ${topology.primary} is gone but only ${reachable.length} of the ${needed} replicas a safe failover needs answer`,
    };
  }
  return { kind: 'fence', nodes: reachable, reason: `primary ${topology.primary} missed ${missed} probes` };
}

/**
 * After fencing: the replica whose data goes furthest into the lost
 * primary's replication stream. Every replica that confirmed a write followed
 * that stream, and the fenced set meets every set of confirming replicas, so
 * the furthest one holds every acknowledged write. The stream is the
 * primary's replication ID as last seen; a leader that never saw the primary
 * takes the ID most of the fenced replicas followed.
 *
 * Only replicas whose data carries the newest epoch stamp (`stamps`: the
 * `dss:redis:epoch` each fenced replica holds) are candidates. A replica still
 * loading a full resynchronisation keeps its old dataset, with an older stamp,
 * and its old stream's offset, which can go further than anyone's: promoting
 * it lost every write acknowledged since (found by the chaos suite, when a
 * primary that had just come back was fenced mid-resync).
 */
export function choosePrimary(
  nodes: readonly RedisNodeAddress[],
  fenced: ReadonlyMap<string, ReplicationInfo>,
  memory: PlannerMemory,
  replicasToAck: number,
  stamps: ReadonlyMap<string, number> = new Map(),
): Choice {
  const needed = replicasNeeded(nodes.length, replicasToAck);
  if (fenced.size < needed)
    return {
      kind: 'blocked',
      reason: `only ${fenced.size} of the ${needed} replicas a safe failover needs were fenced`,
    };
  const newest = Math.max(0, ...stamps.values());
  const current = new Map([...fenced].filter(([id]) => (stamps.get(id) ?? 0) >= newest));
  const stream = memory.primaryReplid ?? mostFollowedStream([...current.values()]);
  if (stream === undefined)
    return { kind: 'blocked', reason: 'the replicas do not share a replication stream with the lost primary' };
  let best: { id: string; offset: number } | undefined;
  for (const n of nodes) {
    const info = current.get(n.id);
    const offset = info && coverage(info, stream);
    if (offset !== undefined && (best === undefined || offset > best.offset)) best = { id: n.id, offset };
  }
  if (best === undefined)
    return { kind: 'blocked', reason: `no fenced replica holds the lost primary's stream ${stream.slice(0, 8)}` };
  return { kind: 'promote', primary: best.id, reason: `holds the lost primary's stream up to offset ${best.offset}` };
}

/** The stream most fenced replicas followed: after REPLICAOF NO ONE that is their replid2 (their replid is brand new). */
function mostFollowedStream(infos: readonly ReplicationInfo[]): string | undefined {
  const counts = new Map<string, number>();
  for (const info of infos)
    if (coverage(info, info.replid2) !== undefined) counts.set(info.replid2, (counts.get(info.replid2) ?? 0) + 1);
  let best: [string, number] | undefined;
  for (const entry of counts) if (best === undefined || entry[1] > best[1]) best = entry;
  return best?.[0];
}

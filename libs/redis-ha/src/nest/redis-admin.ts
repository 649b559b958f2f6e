import {
  choosePrimary,
  type Choice,
  type PlannerMemory,
  type Probe,
  type RedisNodeAddress,
  type RedisTopology,
  type ReconcileStep,
  type ReplicationInfo,
} from '../core/index.js';
import type { RedisNodeClient } from './redis-node-client.js';

// The steps a lock leader takes on the Redis servers, apart from Raft: the
// caller says when it may act (`mayAct`, which throws once its leadership
// lease is over) and commits the new topology (`commit`). Kept apart so that
// they can be run against real Redis servers without a lock cluster.

export interface RedisAdmin {
  readonly nodes: readonly RedisNodeAddress[];
  readonly clients: ReadonlyMap<string, RedisNodeClient>;
  readonly replicasToAck: number;
  readonly log: (level: 'log' | 'warn', line: string) => void;
}

export type FailoverOutcome =
  | {
      readonly kind: 'promoted';
      readonly primary: string;
      readonly reason: string;
      readonly followers: readonly string[];
    }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'lost'; readonly reason: string };

const address = (admin: RedisAdmin, id: string): RedisNodeAddress => admin.nodes.find((n) => n.id === id)!;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Fails over from the lost primary: fences every candidate (REPLICAOF NO
 * ONE, so that fewer than replicasToAck replicas can still confirm a write to
 * the old primary), chooses the one furthest into the old primary's stream,
 * commits the new topology, then re-points the other fenced servers at it.
 * `commit` resolves to false when the topology changed meanwhile; after a
 * commit `mayAct` is asked again with the commit's start as the new lease.
 */
export async function failOver(
  admin: RedisAdmin,
  candidates: readonly string[],
  memory: PlannerMemory,
  mayAct: () => void,
  commit: (primary: string, reason: string) => Promise<{ committed: boolean; mayAct: () => void }>,
): Promise<FailoverOutcome> {
  const fenced = new Map<string, ReplicationInfo>();
  const stamps = new Map<string, number>();
  for (const id of candidates) {
    mayAct();
    const client = admin.clients.get(id)!;
    try {
      await client.detach();
      const probe = await client.probe();
      if ('info' in probe) {
        fenced.set(id, probe.info);
        stamps.set(id, await client.epoch());
      }
    } catch (err) {
      fenced.delete(id);
      admin.log('warn', `fencing ${id} failed: ${message(err)}`);
    }
  }
  const choice: Choice = choosePrimary(admin.nodes, fenced, memory, admin.replicasToAck, stamps);
  if (choice.kind === 'blocked') return { kind: 'refused', reason: choice.reason };
  const done = await commit(choice.primary, choice.reason);
  if (!done.committed) return { kind: 'lost', reason: 'the topology changed meanwhile' };
  // The new primary accepts no write (min-replicas-to-write) until a replica follows it: at once.
  const followers: string[] = [];
  for (const id of fenced.keys()) {
    if (id === choice.primary) continue;
    done.mayAct();
    await admin.clients.get(id)!.follow(address(admin, choice.primary));
    followers.push(id);
  }
  return { kind: 'promoted', primary: choice.primary, reason: choice.reason, followers };
}

/** Brings the servers in line with the committed topology: promote its primary, attach the others to it. */
export async function reconcile(
  admin: RedisAdmin,
  topology: RedisTopology,
  steps: readonly ReconcileStep[],
  probes: readonly Probe[],
  mayAct: () => void,
): Promise<void> {
  for (const step of steps) {
    const client = admin.clients.get(step.node)!;
    if (step.action === 'promote') {
      mayAct();
      await client.detach();
      admin.log('log', `Redis ${step.node} promoted: it is the primary of epoch ${topology.epoch}`);
      continue;
    }
    const probe = probes.find((p) => p.id === step.node);
    // Never demote a primary that a newer epoch promoted: this leader would be the stale one.
    if (probe && 'info' in probe && probe.info.role === 'master' && (await client.epoch()) > topology.epoch) {
      admin.log('warn', `Redis ${step.node} was promoted by an epoch newer than ${topology.epoch}: not demoting it`);
      continue;
    }
    mayAct();
    await client.follow(address(admin, step.primary));
    admin.log('log', `Redis ${step.node} now follows ${step.primary} (epoch ${topology.epoch})`);
  }
}

/** Writes the epoch on a healthy primary that lacks it (it takes writes once a replica is attached). */
export async function stampEpoch(admin: RedisAdmin, topology: RedisTopology, probes: readonly Probe[]): Promise<void> {
  const primary = probes.find((p) => p.id === topology.primary);
  if (!primary || !('info' in primary) || primary.info.onlineReplicas === 0) return;
  const client = admin.clients.get(topology.primary)!;
  if ((await client.epoch()) < topology.epoch) await client.setEpoch(topology.epoch);
}

// Whether a fault made a service impossible: with three nodes a service needs
// its daemons on a majority of them (Raft for the locks, the membership
// majority of the cache, the queue's ring of live nodes), and the queue, the
// cache and the counter's store need Redis on a majority too. A node counts as
// gone for a role when that role's daemon was killed or paused there, and for
// every role and Redis when it was cut off from the others. The nemesis
// records `nodes` as the nodes that lost contact with someone (all three for
// an isolation), so the node that was cut off is read from the kind and action.
import type { AppliedFault } from '../nemesis.js';
import type { Role } from '../workloads/workload-types.js';
import type { Service } from './targets.js';

export const SERVICE_NEEDS: Readonly<Record<Service, { readonly roles: readonly Role[]; readonly redis: boolean }>> = {
  lock: { roles: ['lock'], redis: false },
  // The counter takes a lock, then reads and writes Redis itself.
  counter: { roles: ['lock'], redis: true },
  queue: { roles: ['queue'], redis: true },
  cache: { roles: ['cache'], redis: true },
};

/** What one fault window took away. Node names are vm1..vm3, or a placeholder when the action did not name the node. */
export interface FaultImpact {
  readonly daemons: readonly { readonly role: Role; readonly node: string }[];
  readonly cutOff: readonly string[];
  readonly redis: readonly string[];
}

export type FaultRecord = Pick<AppliedFault, 'kind' | 'action' | 'nodes' | 'roles'>;

const NOTHING: FaultImpact = { daemons: [], cutOff: [], redis: [] };

export function faultImpact(f: FaultRecord): FaultImpact {
  const daemonsDown = (): FaultImpact => ({
    ...NOTHING,
    daemons: f.nodes.flatMap((node) => f.roles.map((role) => ({ role, node }))),
  });
  const cutOff = (node: string | undefined): FaultImpact => ({
    ...NOTHING,
    cutOff: [node ?? (f.nodes.length === 1 ? f.nodes[0]! : `(${f.kind})`)],
  });
  switch (f.kind) {
    case 'kill-lock-leader':
    case 'kill-daemon':
    case 'pause-daemon':
      return daemonsDown();
    case 'isolate-lock-leader':
    case 'isolate-node':
      return cutOff(/^isolate (\S+)/.exec(f.action)?.[1]);
    case 'one-way':
      // It hears nobody: it cannot take part, though its own packets arrive.
      return cutOff(/^(\S+) hears nobody/.exec(f.action)?.[1]);
    case 'bridge':
      // Each end still reaches the middle: every node sees a majority.
      return NOTHING;
    case 'redis-primary-kill':
      return { ...NOTHING, redis: [/redis primary on ([\w.-]+)/.exec(f.action)?.[1] ?? '(redis primary)'] };
    case 'kill-and-partition':
      // Two windows of one step: the killed daemon, and the node cut off.
      return /^isolate /.test(f.action) ? cutOff(/^isolate (\S+)/.exec(f.action)?.[1]) : daemonsDown();
  }
}

export interface ServiceLoss {
  /** Most nodes gone for one of the roles the service needs. */
  readonly roleNodesGone: number;
  /** Nodes whose Redis was gone (counted only for services that need Redis). */
  readonly redisNodesGone: number;
  /** Fewer than a majority of the nodes could serve: no target applies. */
  readonly majorityGone: boolean;
}

/** The loss of one service from the windows of one nemesis step (a step may leave two). */
export function serviceLoss(service: Service, windows: readonly FaultRecord[], nodeCount = 3): ServiceLoss {
  const impacts = windows.map(faultImpact);
  const cut = impacts.flatMap((i) => i.cutOff);
  const needs = SERVICE_NEEDS[service];
  const roleNodesGone = Math.max(
    0,
    ...needs.roles.map(
      (role) =>
        new Set([...cut, ...impacts.flatMap((i) => i.daemons.filter((d) => d.role === role).map((d) => d.node))]).size,
    ),
  );
  const redisNodesGone = needs.redis ? new Set([...cut, ...impacts.flatMap((i) => i.redis)]).size : 0;
  const majority = Math.floor(nodeCount / 2) + 1;
  return {
    roleNodesGone,
    redisNodesGone,
    majorityGone: nodeCount - roleNodesGone < majority || nodeCount - redisNodesGone < majority,
  };
}

import type { PeerRejectReason } from './peer-rejections.service.js';
import type { PeerTransportOptions } from './transport-options.js';

/** Patterns that any node of the cluster may send, whatever its role: the lock nodes' Redis topology. */
export const CLUSTER_WIDE_PATTERNS: ReadonlySet<string> = new Set(['redis.topology']);

export interface PeerRefusal {
  readonly reason: Extract<PeerRejectReason, 'unauthenticated' | 'unknown_peer' | 'spoofed_sender'>;
  readonly detail: string;
}

/** The sender a message claims to be from: `from` on the message, or on each message of a batch. */
function claimedSenders(payload: unknown): string[] {
  const items = Array.isArray(payload) ? payload : [payload];
  return items.flatMap((m) =>
    typeof m === 'object' && m !== null && typeof (m as { from?: unknown }).from === 'string'
      ? [(m as { from: string }).from]
      : [],
  );
}

/** Why a peer message must be refused (see peerRefusalRule), or null. */
export type PeerRefusalRule = (pattern: string, peer: string | undefined, payload: unknown) => PeerRefusal | null;

/**
 * The rule for this node's peer messages: one must come over a connection
 * whose certificate (`peer`, undefined without one) names a node of this role
 * (not this node itself), and any sender the message claims must be that node:
 * a member cannot speak for another. A cluster-wide pattern is accepted from
 * any node of the description. The one rule for requests (PeerIdentityGuard)
 * and events (PeerEvents).
 */
export function peerRefusalRule(
  options: Pick<PeerTransportOptions, 'role' | 'peers' | 'clusterNodeIds'>,
): PeerRefusalRule {
  const members: ReadonlySet<string> = new Set(options.peers.map((p) => p.id));
  const clusterNodes: ReadonlySet<string> = new Set(options.clusterNodeIds ?? []);
  return (pattern, peer, payload) => refusal(options.role, members, clusterNodes, pattern, peer, payload);
}

function refusal(
  role: string,
  members: ReadonlySet<string>,
  clusterNodes: ReadonlySet<string>,
  pattern: string,
  peer: string | undefined,
  payload: unknown,
): PeerRefusal | null {
  if (peer === undefined)
    return { reason: 'unauthenticated', detail: `${pattern} over a connection without a verified certificate` };
  if (CLUSTER_WIDE_PATTERNS.has(pattern)) {
    // Asked by daemons of other roles, on any node of the cluster (this one's included).
    if (!clusterNodes.has(peer))
      return {
        reason: 'unknown_peer',
        detail: `${pattern} from "${peer}", which is not a node in the cluster description`,
      };
  } else if (!members.has(peer)) {
    return {
      reason: 'unknown_peer',
      detail: `${pattern} from "${peer}", which is not a ${role} peer in the cluster description`,
    };
  }
  const spoofed = claimedSenders(payload).find((from) => from !== peer);
  if (spoofed !== undefined)
    return { reason: 'spoofed_sender', detail: `${pattern} from ${peer} claims to be from "${spoofed}"` };
  return null;
}

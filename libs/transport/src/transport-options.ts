import type { PeerEndpoint, PeerTlsMaterial } from '@dss/config';

export const PEER_TRANSPORT_OPTIONS = Symbol('PEER_TRANSPORT_OPTIONS');

/**
 * Largest peer message, in bytes (Nest's JsonSocket cap). Large enough for a
 * Raft snapshot chunk; a bigger frame from a peer is refused, not buffered.
 */
export const PEER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How often the background probe pings every peer to keep dss_peer_reachable fresh. */
export const PEER_PROBE_INTERVAL_MS = 2000;
/** A connection that has not finished its TLS handshake by then is closed (a stalled or hostile dialer). */
export const PEER_HANDSHAKE_TIMEOUT_MS = 5000;
/**
 * A dial to a peer that has not connected (TCP, and TLS when on) by then is
 * abandoned, and the next call dials afresh. A SYN dropped by a partition is
 * retransmitted after 1 s, then 3 s...: without this, calls made just after the
 * partition healed waited on the old attempt for seconds.
 */
export const PEER_CONNECT_TIMEOUT_MS = 500;
/**
 * After a dial that failed (refused, unreachable, or not connected within
 * PEER_CONNECT_TIMEOUT_MS), the next dial to that peer starts no sooner than this
 * after the failed one began. Meanwhile calls fail at once as unavailable and events
 * are dropped, as they would be on the dial. Without it a node redialled a dead peer
 * with every Raft heartbeat (33 times a second): most of what a machine that is down
 * cost the survivors' CPU. A peer that comes back is reconnected within this.
 */
export const PEER_REDIAL_INTERVAL_MS = 100;
/** A frame that has started but not finished arriving by then closes the connection. */
export const PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS = 10_000;
/** Answers queued for a peer that does not read them, in bytes, before its connection is closed. */
export const PEER_MAX_SEND_BUFFER_BYTES = 2 * PEER_MAX_MESSAGE_BYTES;
/** Open connections one peer server accepts; a cluster needs a few per peer, a flood gets refused. */
export const PEER_MAX_CONNECTIONS = 128;

export interface PeerTransportOptions {
  readonly selfId: string;
  readonly role: string;
  readonly peers: readonly PeerEndpoint[];
  /** Every node id of the cluster description: who may send a cluster-wide pattern (CLUSTER_WIDE_PATTERNS). */
  readonly clusterNodeIds?: readonly string[];
  /** Default timeout of every call; a call may pass its own. */
  readonly timeoutMs: number;
  /** Address the peer server binds (a VM binds its own IP, not 0.0.0.0). */
  readonly bindHost: string;
  readonly port: number;
  /** Set to 0 to turn the background probe off (tests). */
  readonly probeIntervalMs?: number;
  /** Mutual TLS with the cluster CA; without it anyone who reaches the port is a peer (peerAuth none). */
  readonly tls?: PeerTlsMaterial;
}

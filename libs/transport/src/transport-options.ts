import type { PeerEndpoint } from '@dss/config';

export const PEER_TRANSPORT_OPTIONS = Symbol('PEER_TRANSPORT_OPTIONS');

/**
 * Largest peer message, in bytes (Nest's JsonSocket cap). Large enough for a
 * Raft snapshot chunk; a bigger frame from a peer is refused, not buffered.
 */
export const PEER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How often the background probe pings every peer to keep dss_peer_reachable fresh. */
export const PEER_PROBE_INTERVAL_MS = 2000;

export interface PeerTransportOptions {
  readonly selfId: string;
  readonly role: string;
  readonly peers: readonly PeerEndpoint[];
  /** Default timeout of every call; a call may pass its own. */
  readonly timeoutMs: number;
  /** Address the peer server binds (a VM binds its own IP, not 0.0.0.0). */
  readonly bindHost: string;
  readonly port: number;
  /** Set to 0 to turn the background probe off (tests). */
  readonly probeIntervalMs?: number;
}

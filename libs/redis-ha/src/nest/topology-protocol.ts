import type { RedisTopology } from '../core/index.js';

/** `redis.topology`: asked of any lock node by the queue and cache daemons of every machine. */
export interface TopologyRequest {
  readonly from: string;
  /** Answer at once if the topology's epoch differs, else when it changes or after waitMs. */
  readonly knownEpoch: number;
  readonly waitMs: number;
}

/** Longest wait a lock node grants one topology request. */
export const MAX_TOPOLOGY_WAIT_MS = 30_000;

export type TopologyAnswer = RedisTopology;

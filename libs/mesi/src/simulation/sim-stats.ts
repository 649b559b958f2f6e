// Counts of the interesting paths a simulation went through, so a test can
// require that they ran (a weakened generator then cannot pass unnoticed).
export interface SimStats {
  steps: number;
  maxInFlight: number;
  /** Loads answered from the node's own copy. */
  localHits: number;
  /** Grants installed, by kind (`read-S-peer`, `write`, ...). */
  grants: Record<string, number>;
  /** Forwards that reached a line with a local op pending (an earlier transaction's). */
  forwardsWhilePending: number;
  /** Dirty data handed to the home in a forward reply. */
  dirtyHandoffs: number;
  /** Requests that found their home busy and waited in its queue. */
  queuedRequests: number;
  /** Write-backs memory's version fence turned away. */
  rejectedWriteBacks: number;
  completedOps: number;
  /** How often each line state (lineStateName, `M*` = dirty M) and directory state was entered. */
  lineStates: Record<string, number>;
  dirStates: Record<string, number>;
}

export const emptyStats = (): SimStats => ({
  steps: 0,
  maxInFlight: 0,
  localHits: 0,
  grants: {},
  forwardsWhilePending: 0,
  dirtyHandoffs: 0,
  queuedRequests: 0,
  rejectedWriteBacks: 0,
  completedOps: 0,
  lineStates: {},
  dirStates: {},
});

export const tally = (counts: Record<string, number>, name: string, n = 1): void =>
  void (counts[name] = (counts[name] ?? 0) + n);

/** Adds `s` into `total`. */
export function mergeStats(total: SimStats, s: SimStats): void {
  for (const k of [
    'steps',
    'localHits',
    'forwardsWhilePending',
    'dirtyHandoffs',
    'queuedRequests',
    'rejectedWriteBacks',
    'completedOps',
  ] as const)
    total[k] += s[k];
  total.maxInFlight = Math.max(total.maxInFlight, s.maxInFlight);
  for (const k of ['grants', 'lineStates', 'dirStates'] as const)
    for (const [name, n] of Object.entries(s[k])) tally(total[k], name, n);
}

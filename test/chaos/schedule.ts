import { Prng } from '../support/prng.js';

// The nemesis' plan, a pure function of (seed, duration): the same pair
// always gives the same faults at the same offsets, so a run can be replayed.
// Which node a fault hits is decided when it fires (the lock leader moves),
// from the step's `pick`, and the run log records it.

export const FAULT_KINDS = [
  'kill-lock-leader',
  'kill-daemon',
  'pause-daemon',
  'isolate-lock-leader',
  'isolate-node',
  'bridge',
  'one-way',
  'redis-primary-kill',
  'kill-and-partition',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultStep {
  readonly index: number;
  readonly kind: FaultKind;
  /** Offset from the start of the run. */
  readonly atMs: number;
  /** How long the fault lasts before it is healed (restart, SIGCONT, rules removed). */
  readonly durationMs: number;
  /** Uniform in [0, 1): chooses the node and role when the step fires. */
  readonly pick: number;
}

/** [min, max] duration of each fault, chosen so that every fault outlasts the timeouts it tests (2 s election and dead timeouts; a Redis primary stays dead long enough to be failed over and to come back as a replica). */
export const FAULT_DURATION_MS: Record<FaultKind, readonly [number, number]> = {
  'kill-lock-leader': [2000, 5000],
  'kill-daemon': [2000, 6000],
  'pause-daemon': [3000, 8000],
  'isolate-lock-leader': [6000, 12_000],
  'isolate-node': [6000, 12_000],
  bridge: [6000, 12_000],
  'one-way': [6000, 10_000],
  'redis-primary-kill': [12_000, 16_000],
  'kill-and-partition': [6000, 10_000],
};
/** Healthy time after each fault is healed: the cluster must recover and make progress between faults. */
export const QUIET_MS: readonly [number, number] = [4000, 7000];
const FIRST_FAULT_MS = 5000;
/** The last fault heals at least this long before the end, so the workloads finish on a healed cluster. */
const TAIL_MS = 5000;

/**
 * Kinds in a seeded order, every kind once per round, until the run's time is used.
 * `kinds` narrows the plan to some kinds (to hammer one fault while chasing a finding).
 */
export function buildSchedule(seed: number, runMs: number, kinds: readonly FaultKind[] = FAULT_KINDS): FaultStep[] {
  if (kinds.length === 0) throw new Error('a schedule needs at least one kind of fault');
  const rng = new Prng(seed);
  const steps: FaultStep[] = [];
  let at = FIRST_FAULT_MS;
  for (;;) {
    for (const kind of rng.shuffle(kinds)) {
      const [lo, hi] = FAULT_DURATION_MS[kind];
      const durationMs = rng.int(lo, hi);
      const pick = rng.next();
      const quietMs = rng.int(QUIET_MS[0], QUIET_MS[1]);
      if (at + durationMs + TAIL_MS > runMs) return steps;
      steps.push({ index: steps.length, kind, atMs: at, durationMs, pick });
      at += durationMs + quietMs;
    }
  }
}

/** The shortest run whose schedule holds every kind for this seed (CI sizes its run with it). */
export function runMsCoveringAllKinds(seed: number, kinds: readonly FaultKind[] = FAULT_KINDS): number {
  const all = buildSchedule(seed, 3_600_000, kinds);
  const last = all[kinds.length - 1]!;
  return last.atMs + last.durationMs + TAIL_MS;
}

/** Parses a comma-separated list of fault kinds (DSS_CHAOS_KINDS, `--kinds`); throws naming the valid ones. */
export function parseFaultKinds(text: string): FaultKind[] {
  const isKind = (k: string): k is FaultKind => (FAULT_KINDS as readonly string[]).includes(k);
  const kinds = [
    ...new Set(
      text
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    ),
  ];
  const unknown = kinds.filter((k) => !isKind(k));
  if (unknown.length > 0 || kinds.length === 0)
    throw new Error(`unknown fault kind(s) '${unknown.join(',') || text}'; valid: ${FAULT_KINDS.join(', ')}`);
  return kinds.filter(isKind);
}

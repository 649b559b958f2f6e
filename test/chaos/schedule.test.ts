import {
  buildSchedule,
  FAULT_DURATION_MS,
  FAULT_KINDS,
  parseFaultKinds,
  QUIET_MS,
  runMsCoveringAllKinds,
} from './schedule.js';

describe('chaos schedule', () => {
  it('is a pure function of seed and duration (a run can be replayed)', () => {
    expect(buildSchedule(7, 600_000)).toEqual(buildSchedule(7, 600_000));
    expect(buildSchedule(7, 600_000)).not.toEqual(buildSchedule(8, 600_000));
    // A shorter run is a prefix of a longer one with the same seed.
    const long = buildSchedule(7, 600_000);
    const short = buildSchedule(7, 120_000);
    expect(long.slice(0, short.length)).toEqual(short);
  });

  it('takes every kind once per round, within its duration bounds, with quiet time between faults', () => {
    for (const seed of [1, 2, 3, 42, 1000]) {
      const steps = buildSchedule(seed, 900_000);
      expect(steps.length).toBeGreaterThanOrEqual(2 * FAULT_KINDS.length);
      for (let r = 0; r + FAULT_KINDS.length <= steps.length; r += FAULT_KINDS.length) {
        expect(new Set(steps.slice(r, r + FAULT_KINDS.length).map((s) => s.kind)).size).toBe(FAULT_KINDS.length);
      }
      steps.forEach((s, i) => {
        const [lo, hi] = FAULT_DURATION_MS[s.kind];
        expect(s.durationMs).toBeGreaterThanOrEqual(lo);
        expect(s.durationMs).toBeLessThanOrEqual(hi);
        expect(s.pick).toBeGreaterThanOrEqual(0);
        expect(s.pick).toBeLessThan(1);
        const next = steps[i + 1];
        if (next) expect(next.atMs - (s.atMs + s.durationMs)).toBeGreaterThanOrEqual(QUIET_MS[0]);
      });
      expect(steps.at(-1)!.atMs + steps.at(-1)!.durationMs).toBeLessThanOrEqual(900_000);
    }
  });

  it('names the run length that covers every kind', () => {
    const runMs = runMsCoveringAllKinds(11);
    expect(new Set(buildSchedule(11, runMs).map((s) => s.kind)).size).toBe(FAULT_KINDS.length);
    expect(new Set(buildSchedule(11, runMs - 1).map((s) => s.kind)).size).toBe(FAULT_KINDS.length - 1);
  });
});

describe('a schedule narrowed to some kinds', () => {
  it('holds only those kinds, each once per round, and names the valid kinds for a typo', () => {
    const steps = buildSchedule(5, 300_000, ['bridge', 'one-way']);
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['bridge', 'one-way']));
    expect(steps.length).toBeGreaterThan(4);
    expect(runMsCoveringAllKinds(5, ['bridge'])).toBeLessThan(runMsCoveringAllKinds(5));
    expect(parseFaultKinds(' bridge,one-way,bridge ')).toEqual(['bridge', 'one-way']);
    expect(() => parseFaultKinds('bridge,brdge')).toThrow(/unknown fault kind\(s\) 'brdge'; valid: kill-lock-leader/);
    expect(() => parseFaultKinds(',')).toThrow(/unknown fault kind/);
  });
});

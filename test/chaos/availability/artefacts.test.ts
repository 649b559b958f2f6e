import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder, type HistoryOp } from '../../support/history/index.js';
import { summary, writeArtefacts, type ChaosReport } from '../chaos-report.js';
import type { AppliedFault } from '../nemesis.js';
import type { Workload, WorkloadVerdict } from '../workloads/workload-types.js';
import { measureAvailability } from './availability.js';
import { serviceHistories } from './artefacts.js';

// The wiring of a run's end (chaos.test.ts): availability measured from the workloads' histories,
// printed after the verdict table, written as availability.json and one SVG per service.

const T0 = 5000;
const at = (s: number): number => T0 + s * 1000;

function workload(name: string, history: readonly HistoryOp[]): Workload {
  const verdict: WorkloadVerdict = {
    workload: name,
    ok: true,
    anomalies: 0,
    ops: history.length,
    figures: {},
    details: '',
  };
  return { name, run: async () => undefined, verdict: () => verdict, history: () => history };
}

/** Ten ops a second for 20 s, failing (as the service's workload records it) from 4 s to 9 s. */
function history(op: string, fail: (b: HistoryBuilder, span: [number, number]) => void): HistoryOp[] {
  const b = new HistoryBuilder();
  for (let ms = 0; ms < 20_000; ms += 100) {
    const span: [number, number] = [at(ms / 1000), at(ms / 1000) + 15];
    if (ms >= 4000 && ms < 9000) fail(b, span);
    else b.ok('c', op, {}, span, { value: 1 });
  }
  return b.build();
}

describe("availability in a run's summary and artefacts", () => {
  const workloads = [
    workload(
      'lock',
      history('acquire', (b, span) => b.unknown('c', 'acquire', {}, span, 'HTTP 503')),
    ),
    workload(
      'counter',
      history('read', (b, span) => b.unknown('c', 'read', {}, span, 'not replicated')),
    ),
    workload(
      'queue',
      history('publish', (b, span) => b.unknown('c', 'publish', {}, span, 'HTTP 503')),
    ),
    workload(
      'cache',
      history('read', (b, span) =>
        b.fail('c', 'read', {}, span, { error: { code: 'UNAVAILABLE', message: 'no majority' } }),
      ),
    ),
  ];
  const faults: AppliedFault[] = [
    {
      step: 0,
      kind: 'isolate-node',
      action: 'isolate vm2 (minority) from the majority for 5.0 s',
      nodes: ['vm1', 'vm2', 'vm3'],
      roles: ['lock', 'queue', 'cache'],
      start: at(4),
      end: at(9),
    },
  ];
  const availability = measureAvailability({ histories: serviceHistories(workloads), faults, t0: T0, runEnd: at(20) });
  const report: ChaosReport = {
    seed: 1,
    seconds: 20,
    startedAt: new Date(0).toISOString(),
    schedule: [],
    faults,
    verdicts: workloads.map((w) => w.verdict([])),
    availability,
  };

  it('prints the per-fault table and the per-service lines after the verdicts', () => {
    const text = summary(report);
    expect(text).toMatch(
      /^ {3}0 isolate-node +isolate vm2 \(minority\) from the majority +0\.0% +5\.0s MISSED +0\.0% +5\.0s MISSED +0\.0% +5\.0s MISSED +0\.0% +5\.0s MISSED$/m,
    );
    expect(text).toContain(
      'availability cache: 75.0% of 200 ops served over the run; faults: 0 met, 0 excused, 1 missed',
    );
    expect(availability.missed).toHaveLength(4);
  });

  it('writes availability.json and a chart per service, and keeps report.json as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dss-avail-'));
    try {
      const notes = writeArtefacts(dir, report, workloads, ['a log line']);
      expect(notes).toEqual(['availability: availability.json, charts lock.svg, counter.svg, queue.svg, cache.svg']);
      expect(JSON.parse(readFileSync(join(dir, 'availability.json'), 'utf8'))).toEqual(
        JSON.parse(JSON.stringify(availability)),
      );
      expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).not.toHaveProperty('availability');
      for (const s of ['lock', 'counter', 'queue', 'cache'])
        expect(readFileSync(join(dir, `${s}.svg`), 'utf8')).toContain('#0 isolate-node');
      expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe(`a log line\n${notes[0]}\n`);
      expect(existsSync(join(dir, 'lock-history.jsonl'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder, type HistoryOp } from '../../support/history/index.js';
import type { AppliedFault } from '../nemesis.js';
import { measureAvailability } from './availability.js';
import { availabilityChart, chartData, renderSvgFiles } from './charts.js';

const T0 = 50_000;
const at = (s: number): number => T0 + s * 1000;

/** Lock traffic: 10 ops a second for `seconds`, failing (503, 300 ms) from 3 s to 5 s, else granted in 10 ms or refused (LOCKED, 40 ms). */
function lockHistory(seconds: number): HistoryOp[] {
  const b = new HistoryBuilder();
  for (let ms = 0; ms < seconds * 1000; ms += 100) {
    const t = at(ms / 1000);
    if (ms >= 3000 && ms < 5000) b.unknown('c', 'acquire', {}, [t, t + 300], 'HTTP 503');
    else if (ms % 200 === 0) b.ok('c', 'acquire', {}, [t, t + 10], { acquired: true, fencingToken: ms });
    else b.fail('c', 'acquire', {}, [t, t + 40], { error: { code: 'LOCKED', message: 'held' } });
  }
  return b.build();
}

const faults: AppliedFault[] = [
  {
    step: 0,
    kind: 'kill-lock-leader',
    action: 'SIGKILL lock@vm1 (leader), restarted after 2.5 s',
    nodes: ['vm1'],
    roles: ['lock'],
    start: at(3),
    end: at(5.5),
  },
  {
    step: 1,
    kind: 'bridge',
    action: 'bridge through vm2 for 1.5 s',
    nodes: ['vm1', 'vm3'],
    roles: ['lock', 'queue', 'cache'],
    start: at(7),
    end: at(8.5),
  },
];

describe('availability charts', () => {
  const history = lockHistory(10);
  const report = measureAvailability({ histories: { lock: history }, faults, t0: T0, runEnd: at(10) });

  it('counts ops per second by outcome (a refusal is ok), with zeros, and per-second latency quantiles', () => {
    const data = chartData('lock', history, report);
    expect(data.seconds).toBe(10);
    const per = (series: string) => data.rates.filter((r) => r.series === series).map((r) => r.n);
    expect(per('ok')).toEqual([10, 10, 10, 0, 0, 10, 10, 10, 10, 10]);
    expect(per('failed')).toEqual([0, 0, 0, 10, 10, 0, 0, 0, 0, 0]);
    // Second 0: five 10 ms grants and five 40 ms refusals; nearest-rank p50 = 10, p99 = 40.
    expect(data.latency.filter((l) => l.t === 0)).toEqual([
      { t: 0, series: 'ok', quantile: 'p50', ms: 10 },
      { t: 0, series: 'ok', quantile: 'p99', ms: 40 },
    ]);
    expect(data.latency.filter((l) => l.t === 3)).toEqual([
      { t: 3, series: 'failed', quantile: 'p50', ms: 300 },
      { t: 3, series: 'failed', quantile: 'p99', ms: 300 },
    ]);
  });

  it('shades and labels every fault window in both plots', () => {
    const spec = availabilityChart('lock', chartData('lock', history, report));
    const windows = [
      { step: 0, kind: 'kill-lock-leader', label: '#0 kill-lock-leader', start: 3, end: 5.5 },
      { step: 1, kind: 'bridge', label: '#1 bridge', start: 7, end: 8.5 },
    ];
    expect('vconcat' in spec ? spec.vconcat.length : 0).toBe(2);
    const json = JSON.parse(JSON.stringify(spec));
    for (const panel of json.vconcat) {
      expect(panel.layer[0]).toMatchObject({
        mark: { type: 'rect' },
        data: { values: windows },
        encoding: { x: { field: 'start' }, x2: { field: 'end' } },
      });
      expect(panel.layer[1]).toMatchObject({
        mark: { type: 'text' },
        data: { values: windows },
        encoding: { text: { field: 'label' } },
      });
    }
    expect(json.vconcat[1].layer[2].encoding.y.scale).toEqual({ type: 'log' });
  });

  it('renders the spec to SVG with vega (in a child process)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dss-chart-'));
    try {
      const file = join(dir, 'lock.svg');
      renderSvgFiles([{ file, spec: availabilityChart('lock', chartData('lock', history, report)) }]);
      const svg = readFileSync(file, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('#0 kill-lock-leader');
      expect(svg).toContain('#1 bridge');
      expect(svg).toContain('operations per second');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

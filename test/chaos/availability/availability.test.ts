import { HistoryBuilder, type HistoryOp } from '../../support/history/index.js';
import type { AppliedFault } from '../nemesis.js';
import type { FaultKind } from '../schedule.js';
import type { Role } from '../workloads/workload-types.js';
import {
  measureAvailability,
  recoveryMs,
  verdictOf,
  type AvailabilityReport,
  type ServiceAtFault,
} from './availability.js';
import { formatAvailability, shortAction } from './format.js';
import { serviceLoss } from './majority.js';
import { SERVICES, type Service } from './targets.js';

// Synthetic histories on the recorder clock: T0 is the run's start, times in the helpers are seconds from it.
const T0 = 100_000;
const at = (s: number): number => T0 + s * 1000;

type Answer = 'ok' | 'refused' | 'failed';

/** One op of `service` as its workload records it, invoked at `s` seconds, answered 20 ms later. */
function record(b: HistoryBuilder, service: Service, s: number, answer: Answer): void {
  const span: [number, number] = [at(s), at(s) + 20];
  if (service === 'lock') {
    if (answer === 'ok') b.ok('c', 'acquire', {}, span, { acquired: true, fencingToken: 1 });
    else if (answer === 'refused')
      b.fail('c', 'acquire', {}, span, { error: { code: 'LOCKED', message: 'r1 is held' } });
    else b.unknown('c', 'acquire', {}, span, 'HTTP 503');
  } else if (service === 'queue') {
    if (answer === 'ok') b.ok('p', 'publish', {}, span, { ids: ['x'] });
    else if (answer === 'refused') b.fail('c', 'ack', {}, span, { error: { code: 'STALE_RECEIPT', message: 'stale' } });
    else b.unknown('p', 'publish', {}, span, 'HTTP 503');
  } else if (service === 'cache') {
    if (answer === 'failed') b.fail('0', 'write', {}, span, { error: { code: 'UNAVAILABLE', message: 'no majority' } });
    else b.ok('0', 'read', {}, span, null);
  } else {
    if (answer === 'ok') b.ok('0', 'read', { token: 1 }, span, { value: 1 });
    else if (answer === 'refused') b.fail('0', 'write', { token: 1, value: 2 }, span, { error: 'fenced' });
    else b.unknown('0', 'write', { token: 1, value: 2 }, span, 'not replicated');
  }
}

/** One op every `everyMs` from `fromS` to `toS` (exclusive), answered as `answer(s)` says. */
function traffic(
  service: Service,
  fromS: number,
  toS: number,
  everyMs: number,
  answer: (s: number) => Answer,
): HistoryOp[] {
  const b = new HistoryBuilder();
  for (let ms = Math.round(fromS * 1000); ms < toS * 1000; ms += everyMs)
    record(b, service, ms / 1000, answer(ms / 1000));
  return b.build();
}

const fault = (
  step: number,
  kind: FaultKind,
  [startS, endS]: readonly [number, number],
  action: string,
  nodes: readonly string[] = [],
  roles: readonly Role[] = [],
): AppliedFault => ({ step, kind, action, nodes, roles, start: at(startS), end: at(endS) });
const ALL: readonly Role[] = ['lock', 'queue', 'cache'];
/** A fault 5..8 s that touches nothing any service needs, and the next fault at 15 s (which bounds the first one's recovery). */
const twoFaults = (
  kind: FaultKind = 'kill-daemon',
  action = 'SIGKILL queue@vm1, restarted after 3.0 s',
  nodes: readonly string[] = ['vm1'],
  roles: readonly Role[] = ['queue'],
): AppliedFault[] => [
  fault(0, kind, [5, 8], action, nodes, roles),
  fault(1, 'bridge', [15, 21], 'bridge through vm2 for 6.0 s', ['vm1', 'vm3'], ALL),
];

const measure = (
  histories: Partial<Record<Service, readonly HistoryOp[]>>,
  faults: readonly AppliedFault[],
  runEndS = 30,
): AvailabilityReport => measureAvailability({ histories, faults, t0: T0, runEnd: at(runEndS) });
const first = (report: AvailabilityReport, service: Service): ServiceAtFault => {
  const s = report.faults[0]?.services.find((x) => x.service === service);
  if (!s) throw new Error(`no ${service} at the first fault`);
  return s;
};

describe('availability: served, recovery, after-window share, verdict', () => {
  it("counts a failure when it was seen: an op sent before a fault that times out in it is that fault's", () => {
    const b = new HistoryBuilder();
    for (const s of [14.5, 14.7, 14.9]) b.unknown('p', 'publish', {}, [at(s), at(17.5)], 'client timeout');
    const queue = [...traffic('queue', 0, 30, 100, () => 'ok'), ...b.build()];
    const report = measure({ queue }, twoFaults());
    expect(first(report, 'queue')).toMatchObject({ recoveryMs: 0, afterShare: 1, verdict: 'met' });
    const second = report.faults[1]!.services.find((x) => x.service === 'queue')!;
    expect(second.recoveryMs).toBeGreaterThan(2000);
  });

  it('does not count correct refusals as failures (a held lock, a stale receipt, a fenced write)', () => {
    const alternate = (s: number): Answer => (Math.round(s * 20) % 2 === 0 ? 'ok' : 'refused');
    const report = measure(
      {
        lock: traffic('lock', 0, 30, 50, alternate),
        queue: traffic('queue', 0, 30, 50, alternate),
        counter: traffic('counter', 0, 30, 50, alternate),
      },
      twoFaults('kill-lock-leader', 'SIGKILL lock@vm2 (leader), restarted after 3.0 s', ['vm2'], ['lock']),
    );
    for (const service of ['lock', 'queue', 'counter'] satisfies Service[]) {
      expect(first(report, service)).toMatchObject({
        ops: 60,
        served: 1,
        recoveryMs: 0,
        afterShare: 1,
        majorityGone: false,
        verdict: 'met',
      });
    }
    expect(report.missed).toEqual([]);
  });

  it('measures recovery from the fault start to the first op after which the service keeps serving', () => {
    const report = measure(
      { queue: traffic('queue', 0, 30, 100, (s) => (s >= 5 && s < 7 ? 'failed' : 'ok')) },
      twoFaults(),
    );
    // Ops at 5.0..7.9 s while the fault lasted: 20 failed, 10 served.
    expect(first(report, 'queue')).toMatchObject({
      ops: 30,
      served: 10 / 30,
      recoveryMs: 2000,
      afterOps: 70,
      afterShare: 1,
      verdict: 'met',
    });
    expect(report.faults[0]).toMatchObject({ step: 0, kind: 'kill-daemon', startS: 5, endS: 8, untilS: 15 });
  });

  it('holds locks to 1 s and the other services to 3 s', () => {
    const failUntil =
      (end: number) =>
      (s: number): Answer =>
        s >= 5 && s < end ? 'failed' : 'ok';
    const report = measure(
      { lock: traffic('lock', 0, 30, 100, failUntil(6.5)), cache: traffic('cache', 0, 30, 100, failUntil(6.5)) },
      twoFaults(),
    );
    // Lock: back after 1.5 s > 1 s, and 5 of the 90 ops from 6 s on failed.
    expect(first(report, 'lock')).toMatchObject({
      recoveryMs: 1500,
      afterOps: 90,
      afterShare: 85 / 90,
      verdict: 'missed',
    });
    expect(first(report, 'cache')).toMatchObject({ recoveryMs: 1500, afterShare: 1, verdict: 'met' });
    expect(report.missed).toEqual([
      '#0 kill-daemon: lock back after 1.5 s (target 1 s), 94.4 % served after the target window (target 99 %)',
    ]);
  });

  it('needs >= 99 % success from the recovery point on: a stray failure does not delay it, a burst does', () => {
    const stray = measure(
      { queue: traffic('queue', 0, 30, 10, (s) => (s === 5 || s === 10 ? 'failed' : 'ok')) },
      twoFaults(),
    );
    expect(first(stray, 'queue')).toMatchObject({ recoveryMs: 10, verdict: 'met' });
    // 50 failures at 10.0..10.49 s among 1000 ops: only from 10.5 s on does the service keep 99 %.
    const burst = measure(
      { queue: traffic('queue', 0, 30, 10, (s) => (s === 5 || (s >= 10 && s < 10.5) ? 'failed' : 'ok')) },
      twoFaults(),
    );
    expect(first(burst, 'queue')).toMatchObject({
      recoveryMs: 5500,
      afterOps: 700,
      afterShare: 650 / 700,
      verdict: 'missed',
    });
  });

  it('reports a service that never served again before the next fault, and one with no ops at all', () => {
    const report = measure(
      {
        cache: traffic('cache', 0, 30, 100, (s) => (s >= 5 && s < 15 ? 'failed' : 'ok')),
        counter: traffic('counter', 0, 30, 100, () => 'ok').filter(
          (op) => op.invokedAt < at(5) || op.invokedAt >= at(15),
        ),
      },
      twoFaults(),
    );
    expect(first(report, 'cache')).toMatchObject({ served: 0, recoveryMs: null, afterShare: 0, verdict: 'missed' });
    expect(first(report, 'counter')).toMatchObject({
      ops: 0,
      served: null,
      recoveryMs: null,
      afterOps: 0,
      afterShare: null,
      verdict: 'missed',
    });
    expect(report.missed).toEqual([
      '#0 kill-daemon: counter not serving again before the next fault (target 3 s), no ops served after the target window (target 99 %)',
      '#0 kill-daemon: cache not serving again before the next fault (target 3 s), 0.0 % served after the target window (target 99 %)',
    ]);
  });

  it('excuses a service when a kill and a partition together leave it fewer than a majority of nodes', () => {
    const faults = [
      fault(0, 'kill-and-partition', [5, 12], 'SIGKILL lock@vm1, restarted after 7.0 s', ['vm1'], ['lock']),
      fault(0, 'kill-and-partition', [5, 12], 'isolate vm2 for 7.0 s', ['vm2'], ALL),
      fault(1, 'bridge', [18, 24], 'bridge through vm2 for 6.0 s', ['vm1', 'vm3'], ALL),
    ];
    const down = (s: number): Answer => (s >= 5 && s < 13 ? 'failed' : 'ok');
    const report = measure(
      {
        lock: traffic('lock', 0, 30, 100, down),
        counter: traffic('counter', 0, 30, 100, down),
        queue: traffic('queue', 0, 30, 100, down),
        cache: traffic('cache', 0, 30, 100, down),
      },
      faults,
    );
    expect(report.faults).toHaveLength(2);
    expect(report.faults[0]).toMatchObject({
      step: 0,
      action: 'SIGKILL lock@vm1, restarted after 7.0 s + isolate vm2 for 7.0 s',
      untilS: 18,
    });
    expect(first(report, 'lock')).toMatchObject({ roleNodesGone: 2, majorityGone: true, verdict: 'excused' });
    expect(first(report, 'counter')).toMatchObject({
      roleNodesGone: 2,
      redisNodesGone: 1,
      majorityGone: true,
      verdict: 'excused',
    });
    expect(first(report, 'queue')).toMatchObject({
      roleNodesGone: 1,
      redisNodesGone: 1,
      majorityGone: false,
      recoveryMs: 8000,
      verdict: 'missed',
    });
    expect(report.services.map((s) => [s.service, s.met, s.excused, s.missed])).toEqual([
      ['lock', 1, 1, 0],
      ['counter', 1, 1, 0],
      ['queue', 1, 0, 1],
      ['cache', 1, 0, 1],
    ]);
  });

  it('gives the whole-run share over the faulty phase only, and the last fault runs until the end of the run', () => {
    const h = [
      ...traffic('queue', -5, 0, 100, () => 'failed'),
      ...traffic('queue', 0, 20, 100, (s) => (s >= 5 && s < 6 ? 'failed' : 'ok')),
      ...traffic('queue', 20, 40, 100, () => 'failed'),
    ];
    const report = measure(
      { queue: h },
      [fault(0, 'pause-daemon', [5, 8], 'SIGSTOP queue@vm1 for 3.0 s, then SIGCONT', ['vm1'], ['queue'])],
      20,
    );
    expect(report.services).toEqual([{ service: 'queue', ops: 200, share: 190 / 200, met: 1, excused: 0, missed: 0 }]);
    expect(report.faults[0]).toMatchObject({ untilS: 20 });
    expect(first(report, 'queue')).toMatchObject({ recoveryMs: 1000, afterOps: 120 });
  });

  it('computes recovery and verdicts at their boundaries', () => {
    const s = (t: number, success: boolean) => ({ t, success });
    expect(recoveryMs([], 0)).toBeNull();
    expect(recoveryMs([s(3, true), s(4, true)], 0)).toBe(0);
    expect(recoveryMs([s(1, false), s(2, true)], 0)).toBe(2);
    expect(recoveryMs([s(1, true), s(2, false)], 0)).toBeNull();
    // 99 successes then one failure, after an early failure: 99 / 100 is enough.
    expect(recoveryMs([s(1, false), ...Array.from({ length: 99 }, (_, i) => s(2 + i, true)), s(200, false)], 0)).toBe(
      2,
    );
    expect(verdictOf('lock', { majorityGone: false, recoveryMs: 1000, afterShare: 0.99 })).toBe('met');
    expect(verdictOf('lock', { majorityGone: false, recoveryMs: 1001, afterShare: 1 })).toBe('missed');
    expect(verdictOf('queue', { majorityGone: false, recoveryMs: 3000, afterShare: 0.989 })).toBe('missed');
    expect(verdictOf('queue', { majorityGone: false, recoveryMs: 0, afterShare: null })).toBe('missed');
    expect(verdictOf('cache', { majorityGone: true, recoveryMs: null, afterShare: 0 })).toBe('excused');
  });
});

describe('availability: which faults leave a service without a majority', () => {
  const loss = (service: Service, ...windows: AppliedFault[]) => serviceLoss(service, windows);
  const isolate = fault(
    0,
    'isolate-node',
    [0, 6],
    'isolate vm2 (minority) from the majority for 6.0 s',
    ['vm1', 'vm2', 'vm3'],
    ALL,
  );

  it('counts the node cut off, not every node that lost contact (the nemesis records all three for an isolation)', () => {
    for (const service of SERVICES)
      expect(loss(service, isolate)).toMatchObject({ roleNodesGone: 1, majorityGone: false });
    expect(loss('queue', isolate).redisNodesGone).toBe(1);
    expect(loss('lock', isolate).redisNodesGone).toBe(0);
    expect(
      loss(
        'lock',
        fault(0, 'isolate-lock-leader', [0, 6], 'isolate vm3 (lock leader) for 6.0 s', ['vm1', 'vm2', 'vm3'], ALL),
      ),
    ).toMatchObject({ roleNodesGone: 1, majorityGone: false });
  });

  it('leaves a majority under a bridge and a one-way partition, a killed or paused daemon, and a killed Redis primary', () => {
    expect(loss('lock', fault(0, 'bridge', [0, 6], 'bridge through vm2 for 6.0 s', ['vm1', 'vm3'], ALL))).toEqual({
      roleNodesGone: 0,
      redisNodesGone: 0,
      majorityGone: false,
    });
    expect(
      loss('cache', fault(0, 'one-way', [0, 6], 'vm1 hears nobody (one-way) for 6.0 s', ['vm1', 'vm2', 'vm3'], ALL)),
    ).toEqual({ roleNodesGone: 1, redisNodesGone: 1, majorityGone: false });
    expect(
      loss('cache', fault(0, 'pause-daemon', [0, 6], 'SIGSTOP cache@vm1 for 6.0 s, then SIGCONT', ['vm1'], ['cache'])),
    ).toEqual({ roleNodesGone: 1, redisNodesGone: 0, majorityGone: false });
    expect(
      loss('queue', fault(0, 'pause-daemon', [0, 6], 'SIGSTOP cache@vm1 for 6.0 s, then SIGCONT', ['vm1'], ['cache'])),
    ).toEqual({ roleNodesGone: 0, redisNodesGone: 0, majorityGone: false });
    const redis = fault(
      0,
      'redis-primary-kill',
      [0, 12],
      'SIGKILL redis primary on vm1; the lock leader promoted vm2; old primary restarted after 12.0 s',
    );
    expect(loss('queue', redis)).toEqual({ roleNodesGone: 0, redisNodesGone: 1, majorityGone: false });
    expect(loss('lock', redis)).toEqual({ roleNodesGone: 0, redisNodesGone: 0, majorityGone: false });
  });

  it('counts a killed daemon and a node cut off together, and two Redis nodes gone', () => {
    const kill = (role: Role) =>
      fault(0, 'kill-and-partition', [0, 6], `SIGKILL ${role}@vm1, restarted after 6.0 s`, ['vm1'], [role]);
    const cut = fault(0, 'kill-and-partition', [0, 6], 'isolate vm3 for 6.0 s', ['vm3'], ALL);
    expect(loss('queue', kill('queue'), cut)).toMatchObject({ roleNodesGone: 2, majorityGone: true });
    expect(loss('lock', kill('queue'), cut)).toMatchObject({ roleNodesGone: 1, majorityGone: false });
    expect(loss('counter', kill('queue'), cut)).toMatchObject({ majorityGone: false });
    expect(loss('counter', kill('lock'), cut)).toMatchObject({ majorityGone: true });
    const redis = fault(
      0,
      'redis-primary-kill',
      [0, 12],
      'SIGKILL redis primary on vm1; the lock leader promoted vm2; old primary restarted after 12.0 s',
    );
    expect(loss('cache', redis, cut)).toEqual({ roleNodesGone: 1, redisNodesGone: 2, majorityGone: true });
  });
});

describe('availability: the printed table', () => {
  it('shortens the nemesis actions', () => {
    expect(shortAction('SIGKILL lock@vm2 (leader), restarted after 3.2 s')).toBe('SIGKILL lock@vm2 (leader)');
    expect(shortAction('SIGSTOP queue@vm1 for 3.0 s, then SIGCONT')).toBe('SIGSTOP queue@vm1');
    expect(
      shortAction('SIGKILL redis primary on vm1; the lock leader promoted vm2; old primary restarted after 12.1 s'),
    ).toBe('SIGKILL redis primary on vm1');
    expect(shortAction('SIGKILL cache@vm1, restarted after 7.0 s + isolate vm3 for 7.0 s')).toBe(
      'SIGKILL cache@vm1 + isolate vm3',
    );
  });

  it('prints a row per fault and a line per service', () => {
    const report = measure(
      {
        lock: traffic('lock', 0, 30, 100, () => 'ok'),
        cache: traffic('cache', 0, 30, 100, (s) => (s >= 5 && s < 15 ? 'failed' : 'ok')),
      },
      twoFaults(),
    );
    const lines = formatAvailability(report).split('\n');
    expect(lines[2]).toMatch(/^step kind +action +lock +cache$/);
    expect(lines[3]).toMatch(/^ {3}0 kill-daemon +SIGKILL queue@vm1 +100\.0% +0\.0s met +0\.0% never MISSED$/);
    expect(lines[4]).toMatch(/^ {3}1 bridge +bridge through vm2 +100\.0% +0\.0s met +100\.0% +0\.0s met$/);
    expect(lines.slice(5)).toEqual([
      'availability lock: 100.0% of 300 ops served over the run; faults: 2 met, 0 excused, 0 missed',
      'availability cache: 66.7% of 300 ops served over the run; faults: 1 met, 0 excused, 1 missed',
    ]);
  });
});

// Availability of each service under each fault, from the workloads' recorded
// histories and the nemesis' fault windows (both on the recorder clock,
// performance.now()). Definitions (docs/correctness.md, "Availability"), per
// fault step and service, with `until` = the next step's start or the run's end:
// An op's time is its invocation, or for a failed op when it answered or timed out (its failure).
//   served      share of successful ops (classify.ts) among those invoked in [start, end);
//   recoveryMs  0 when no op invoked in [start, until) failed; else the invocation time, from
//               start, of the first successful op from which on (itself included) at least
//               AFTER_SHARE_TARGET of the ops invoked before `until` succeeded; null when there
//               is none (not serving again before the next fault) or no op at all;
//   afterShare  share of successful ops among those invoked in [start + RECOVERY_TARGET_MS, until);
//   verdict     excused when a majority was gone (majority.ts); met when recoveryMs <= target
//               and afterShare >= AFTER_SHARE_TARGET; else missed.
import type { HistoryOp } from '../../support/history/index.js';
import type { AppliedFault } from '../nemesis.js';
import type { FaultKind } from '../schedule.js';
import { CLASSIFIERS, isSuccess } from './classify.js';
import { serviceLoss } from './majority.js';
import { AFTER_SHARE_TARGET, RECOVERY_TARGET_MS, SERVICES, type Service } from './targets.js';

export type Verdict = 'met' | 'excused' | 'missed';

export interface ServiceAtFault {
  readonly service: Service;
  /** Ops invoked while the fault lasted, and the share of them that succeeded (null: none invoked). */
  readonly ops: number;
  readonly served: number | null;
  readonly recoveryMs: number | null;
  /** Ops invoked from start + target until the next fault, and their success share (null: none). */
  readonly afterOps: number;
  readonly afterShare: number | null;
  readonly roleNodesGone: number;
  readonly redisNodesGone: number;
  readonly majorityGone: boolean;
  readonly verdict: Verdict;
}

export interface FaultAvailability {
  readonly step: number;
  readonly kind: FaultKind;
  /** The nemesis' action(s), joined with ' + ' when a step left two windows. */
  readonly action: string;
  /** Seconds from the start of the run: the fault, and where its recovery and after-window end. */
  readonly startS: number;
  readonly endS: number;
  readonly untilS: number;
  readonly services: readonly ServiceAtFault[];
}

export interface ServiceAvailability {
  readonly service: Service;
  /** Ops invoked during the faulty phase [run start, run end), and the share that succeeded. */
  readonly ops: number;
  readonly share: number | null;
  readonly met: number;
  readonly excused: number;
  readonly missed: number;
}

export interface AvailabilityReport {
  /** The recorder clock (performance.now() of the test process) at the run's start and end: the histories' times minus t0 are the report's. */
  readonly clock: { readonly t0: number; readonly runEnd: number };
  readonly targets: { readonly recoveryMs: Readonly<Record<Service, number>>; readonly afterShare: number };
  readonly faults: readonly FaultAvailability[];
  readonly services: readonly ServiceAvailability[];
  /** One line per missed (fault, service); empty when every target was met or excused. */
  readonly missed: readonly string[];
}

export interface AvailabilityInput {
  /** Each service's recorded history; a service without one is left out. */
  readonly histories: Partial<Record<Service, readonly HistoryOp[]>>;
  readonly faults: readonly AppliedFault[];
  /** performance.now() at the start of the run: report times count from it. */
  readonly t0: number;
  /** performance.now() when the faulty phase ended (the workloads' deadline): later ops (the queue's drain) do not count. */
  readonly runEnd: number;
  readonly nodeCount?: number;
}

/** One op as availability sees it: when it was invoked and whether it succeeded. */
export interface Sample {
  readonly t: number;
  readonly success: boolean;
}

export function samples(service: Service, history: readonly HistoryOp[]): Sample[] {
  const classify = CLASSIFIERS[service];
  const out: Sample[] = [];
  for (const op of history) {
    const c = classify(op);
    if (c === 'ignored') continue;
    const success = isSuccess(c);
    // A failure counts when the client saw it: an op sent before a fault that hangs into it and
    // times out is that fault's failure, not one of the quiet time before it.
    out.push({ t: success ? op.invokedAt : (op.completedAt ?? op.invokedAt), success });
  }
  return out.sort((a, b) => a.t - b.t);
}

const within = (s: readonly Sample[], from: number, to: number): Sample[] => s.filter((x) => x.t >= from && x.t < to);
const share = (s: readonly Sample[]): number | null =>
  s.length === 0 ? null : s.filter((x) => x.success).length / s.length;

/** See the definition at the top; `after` holds the ops invoked in [start, until), sorted. */
export function recoveryMs(after: readonly Sample[], start: number): number | null {
  if (after.length === 0) return null;
  if (after.every((x) => x.success)) return 0;
  let successes = 0;
  let first: Sample | undefined;
  for (let i = after.length - 1; i >= 0; i--) {
    const x = after[i]!;
    if (x.success) successes++;
    if (x.success && successes / (after.length - i) >= AFTER_SHARE_TARGET) first = x;
  }
  return first === undefined ? null : first.t - start;
}

export function verdictOf(
  service: Service,
  m: { readonly majorityGone: boolean; readonly recoveryMs: number | null; readonly afterShare: number | null },
): Verdict {
  if (m.majorityGone) return 'excused';
  const recovered = m.recoveryMs !== null && m.recoveryMs <= RECOVERY_TARGET_MS[service];
  return recovered && m.afterShare !== null && m.afterShare >= AFTER_SHARE_TARGET ? 'met' : 'missed';
}

/** The nemesis' windows by step (kill-and-partition leaves two), in time order. */
export function faultSteps(faults: readonly AppliedFault[]): AppliedFault[][] {
  const byStep = new Map<number, AppliedFault[]>();
  for (const f of faults) byStep.set(f.step, [...(byStep.get(f.step) ?? []), f]);
  const startOf = (w: readonly AppliedFault[]): number => Math.min(...w.map((f) => f.start));
  return [...byStep.values()].sort((a, b) => startOf(a) - startOf(b));
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

export function measureAvailability(input: AvailabilityInput): AvailabilityReport {
  const services = SERVICES.filter((s) => input.histories[s] !== undefined);
  const bySvc = new Map(services.map((s) => [s, samples(s, input.histories[s] ?? [])]));
  const steps = faultSteps(input.faults);
  const faults = steps.map((windows, i): FaultAvailability => {
    const first = windows[0]!;
    const start = Math.min(...windows.map((f) => f.start));
    const end = Math.max(...windows.map((f) => f.end));
    const next = steps[i + 1];
    const until = next ? Math.min(...next.map((f) => f.start)) : Math.max(input.runEnd, end);
    const perService = services.map((service): ServiceAtFault => {
      const s = bySvc.get(service) ?? [];
      const during = within(s, start, end);
      const after = within(s, start + RECOVERY_TARGET_MS[service], until);
      const loss = serviceLoss(service, windows, input.nodeCount);
      const recovery = recoveryMs(within(s, start, until), start);
      const m = {
        majorityGone: loss.majorityGone,
        recoveryMs: recovery === null ? null : Math.round(recovery),
        afterShare: share(after),
      };
      return {
        service,
        ops: during.length,
        served: share(during),
        ...m,
        afterOps: after.length,
        roleNodesGone: loss.roleNodesGone,
        redisNodesGone: loss.redisNodesGone,
        verdict: verdictOf(service, m),
      };
    });
    return {
      step: first.step,
      kind: first.kind,
      action: windows.map((f) => f.action).join(' + '),
      startS: seconds(start - input.t0),
      endS: seconds(end - input.t0),
      untilS: seconds(until - input.t0),
      services: perService,
    };
  });
  const summary = services.map((service): ServiceAvailability => {
    const run = within(bySvc.get(service) ?? [], input.t0, input.runEnd);
    const verdicts = faults.map((f) => f.services.find((x) => x.service === service)?.verdict);
    const count = (v: Verdict): number => verdicts.filter((x) => x === v).length;
    return {
      service,
      ops: run.length,
      share: share(run),
      met: count('met'),
      excused: count('excused'),
      missed: count('missed'),
    };
  });
  const missed = faults.flatMap((f) =>
    f.services
      .filter((s) => s.verdict === 'missed')
      .map((s) => `#${f.step} ${f.kind}: ${s.service} ${describeMiss(s)}`),
  );
  return {
    clock: { t0: input.t0, runEnd: input.runEnd },
    targets: { recoveryMs: RECOVERY_TARGET_MS, afterShare: AFTER_SHARE_TARGET },
    faults,
    services: summary,
    missed,
  };
}

const pct = (x: number | null): string => (x === null ? 'no ops' : `${(x * 100).toFixed(1)} %`);

function describeMiss(s: ServiceAtFault): string {
  const recovery =
    s.recoveryMs === null
      ? 'not serving again before the next fault'
      : `back after ${(s.recoveryMs / 1000).toFixed(1)} s`;
  return `${recovery} (target ${RECOVERY_TARGET_MS[s.service] / 1000} s), ${pct(s.afterShare)} served after the target window (target ${AFTER_SHARE_TARGET * 100} %)`;
}

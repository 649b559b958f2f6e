// The queue workloads of the side-by-side comparison (DSS beside BullMQ), for
// any queue behind a Publisher: producers take batches from one shared
// counter until the workload's messages are gone, optionally paced to a rate.
// Each message carries its publish time (`t`, ms since the epoch); the consumer
// (another process) measures latency against it and keeps its figures in a
// DeliveryTally. Nothing here talks to a server, so it runs under jest.
import { overRounds, percentile } from './stats.js';

export type WorkloadId = 'a' | 'b' | 'c' | 'd';

export interface Workload {
  readonly id: WorkloadId;
  /** For the table. */
  readonly label: string;
  /** For the chart's axis. */
  readonly short: string;
  readonly messages: number;
  readonly producers: number;
  /** Messages per publish call. */
  readonly batch: number;
  /** Paced: batch k is published no earlier than t0 + (messages before it) / rate. */
  readonly ratePerSecond?: number;
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'a',
    label: 'a: 1 producer, 1 msg per publish, 5,000',
    short: 'a: 1 producer',
    messages: 5000,
    producers: 1,
    batch: 1,
  },
  {
    id: 'b',
    label: 'b: 16 producers, 1 msg per publish, 20,000',
    short: 'b: 16 producers',
    messages: 20_000,
    producers: 16,
    batch: 1,
  },
  {
    id: 'c',
    label: 'c: 1 producer, batches of 100, 50,000',
    short: 'c: batches of 100',
    messages: 50_000,
    producers: 1,
    batch: 100,
  },
  {
    id: 'd',
    label: 'd: batches of 100 paced at 2,000 msgs/s, 30,000',
    short: 'd: paced 2,000/s',
    messages: 30_000,
    producers: 1,
    batch: 100,
    ratePerSecond: 2000,
  },
];

export function workload(id: WorkloadId): Workload {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`no workload ${id}`);
  return w;
}

/** 1 KB of body besides the publish time. */
export const PAYLOAD = 'p'.repeat(1024);

export interface BenchMessage {
  /** Publish time, ms since the epoch (Date.now() of the producer). */
  readonly t: number;
  readonly p: string;
}

/** One publish call of one system; throws when the system refused or failed it. */
export interface Publisher {
  publish(messages: readonly BenchMessage[]): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** When a paced producer may publish the batch that follows `sent` messages. */
export function dueAt(t0: number, sent: number, ratePerSecond: number): number {
  return t0 + (sent * 1000) / ratePerSecond;
}

export interface PublishTotals {
  /** Publish time of the first batch: the start of the throughput window. */
  readonly firstPublishAt: number;
  readonly lastPublishAt: number;
  /** Messages in publish calls that succeeded. */
  readonly published: number;
  /** Publish calls that failed. */
  readonly publishErrors: number;
  readonly failedMessages: number;
}

export async function publishWorkload(
  publisher: Publisher,
  w: Workload,
  clock: Clock = systemClock,
): Promise<PublishTotals> {
  let taken = 0;
  let published = 0;
  let publishErrors = 0;
  let failedMessages = 0;
  let firstPublishAt = Infinity;
  let lastPublishAt = -Infinity;
  const t0 = clock.now();
  const producer = async (): Promise<void> => {
    while (taken < w.messages) {
      const sent = taken;
      const n = Math.min(w.batch, w.messages - sent);
      taken += n;
      if (w.ratePerSecond) {
        const wait = dueAt(t0, sent, w.ratePerSecond) - clock.now();
        if (wait > 0) await clock.sleep(wait);
      }
      const t = clock.now();
      firstPublishAt = Math.min(firstPublishAt, t);
      const batch: BenchMessage[] = Array.from({ length: n }, () => ({ t, p: PAYLOAD }));
      try {
        await publisher.publish(batch);
        published += n;
      } catch {
        publishErrors++;
        failedMessages += n;
      }
      lastPublishAt = Math.max(lastPublishAt, clock.now());
    }
  };
  await Promise.all(Array.from({ length: w.producers }, producer));
  return { firstPublishAt, lastPublishAt, published, publishErrors, failedMessages };
}

/** What the consumer process reports at the end of a run. */
export interface ConsumerReport {
  /** Distinct messages received. */
  readonly received: number;
  readonly duplicates: number;
  /** Acks (DSS) or completions (BullMQ) that succeeded. */
  readonly acked: number;
  readonly errors: number;
  /** Time of the last successful ack or completion, ms since the epoch. */
  readonly lastAckAt: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** True when the consumer stopped waiting for messages that did not come. */
  readonly gaveUp: boolean;
}

/** The consumer's counts: distinct deliveries, duplicates, latency per first delivery, acks, errors. */
export class DeliveryTally {
  private readonly seen = new Set<string>();
  private readonly latencies: number[] = [];
  private readonly waiters: (() => void)[] = [];
  received = 0;
  duplicates = 0;
  acked = 0;
  errors = 0;
  lastAckAt = NaN;
  stopped = false;

  constructor(
    /** Messages to wait for: the workload's, until the producer says how many it published. */
    public target: number,
    public lastProgressAt: number,
  ) {}

  /** A delivery of message `id`, published at `t`, received at `now`. */
  receive(id: string, t: number, now: number): void {
    this.lastProgressAt = now;
    if (this.seen.has(id)) {
      this.duplicates++;
      return;
    }
    this.seen.add(id);
    this.received++;
    this.latencies.push(now - t);
  }

  ack(n: number, now: number): void {
    if (n <= 0) return;
    this.acked += n;
    this.lastAckAt = Number.isNaN(this.lastAckAt) ? now : Math.max(this.lastAckAt, now);
    this.lastProgressAt = now;
    this.wake();
  }

  error(n = 1): void {
    this.errors += n;
  }

  setTarget(n: number, now: number): void {
    this.target = n;
    this.lastProgressAt = now;
    this.wake();
  }

  /** Gives up on messages still missing. */
  stop(): void {
    this.stopped = true;
    this.wake();
  }

  get allReceived(): boolean {
    return this.stopped || this.received >= this.target;
  }

  get allAcked(): boolean {
    return this.stopped || this.acked >= this.target;
  }

  /** Resolves once every message is acked (or the tally stopped). */
  whenAcked(): Promise<void> {
    return this.allAcked ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  report(): ConsumerReport {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      received: this.received,
      duplicates: this.duplicates,
      acked: this.acked,
      errors: this.errors,
      lastAckAt: this.lastAckAt,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      gaveUp: this.stopped && this.received < this.target,
    };
  }

  private wake(): void {
    if (!this.allAcked) return;
    for (const w of this.waiters.splice(0)) w();
  }
}

/** One run of one workload on one system. */
export interface QueueRun {
  readonly workload: WorkloadId;
  /** Distinct messages delivered / (last ack or completion - first publish). */
  readonly msgsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly seconds: number;
  readonly published: number;
  readonly delivered: number;
  readonly publishErrors: number;
  readonly consumerErrors: number;
  readonly duplicates: number;
  /** Published but never delivered (the consumer gave up on them). */
  readonly lost: number;
}

export function queueRun(id: WorkloadId, totals: PublishTotals, report: ConsumerReport): QueueRun {
  const seconds = (report.lastAckAt - totals.firstPublishAt) / 1000;
  return {
    workload: id,
    msgsPerSecond: report.received > 0 && seconds > 0 ? report.received / seconds : 0,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    seconds: Number.isFinite(seconds) ? seconds : NaN,
    published: totals.published,
    delivered: report.received,
    publishErrors: totals.publishErrors,
    consumerErrors: report.errors,
    duplicates: report.duplicates,
    lost: Math.max(0, totals.published - report.received),
  };
}

/**
 * One workload's figures over several rounds: the median of each rate, time
 * and percentile (a round a noisy neighbour slowed does not move it), the sums
 * of the counts.
 */
export function medianOfRounds(rounds: readonly QueueRun[]): QueueRun {
  const { median: m, sum } = overRounds(rounds);
  return {
    workload: rounds[0]!.workload,
    msgsPerSecond: m((r) => r.msgsPerSecond),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    seconds: m((r) => r.seconds),
    published: sum((r) => r.published),
    delivered: sum((r) => r.delivered),
    publishErrors: sum((r) => r.publishErrors),
    consumerErrors: sum((r) => r.consumerErrors),
    duplicates: sum((r) => r.duplicates),
    lost: sum((r) => r.lost),
  };
}

/** DSS's rate over BullMQ's; undefined when BullMQ delivered nothing. */
export function ratio(dss: QueueRun, bullmq: QueueRun): number | undefined {
  return bullmq.msgsPerSecond > 0 ? dss.msgsPerSecond / bullmq.msgsPerSecond : undefined;
}

/** Each round's ratio, rounds paired in order (the turns the program took). */
export function roundRatios(dss: readonly QueueRun[], bullmq: readonly QueueRun[]): (number | undefined)[] {
  return dss.slice(0, bullmq.length).map((d, k) => ratio(d, bullmq[k]!));
}

import { hostPort, listOf } from './cli-options.js';
import { queueChartSpec } from './queue-chart.js';
import {
  DeliveryTally,
  dueAt,
  medianOfRounds,
  publishWorkload,
  queueRun,
  ratio,
  roundRatios,
  WORKLOADS,
  type BenchMessage,
  type Clock,
  type Publisher,
  type QueueRun,
  type Workload,
} from './queue-load.js';
import { tableHeader, tableRow } from './queue-table.js';

/** A clock that only moves when someone sleeps: the pacing schedule without waiting for it. */
function fakeClock(start = 1_000_000): Clock & { time: number } {
  const clock = {
    time: start,
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.time += ms;
      await new Promise((r) => setImmediate(r));
    },
  };
  return clock;
}

/** Records every publish call; fails every `failEvery`-th one. */
function recorder(
  clock: Clock,
  failEvery = 0,
): Publisher & { calls: { at: number; messages: readonly BenchMessage[] }[]; inFlight: number; maxInFlight: number } {
  let n = 0;
  const rec = {
    calls: [] as { at: number; messages: readonly BenchMessage[] }[],
    inFlight: 0,
    maxInFlight: 0,
    async publish(messages: readonly BenchMessage[]) {
      rec.inFlight++;
      rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
      await new Promise((r) => setImmediate(r));
      rec.inFlight--;
      if (failEvery && ++n % failEvery === 0) throw new Error('boom');
      rec.calls.push({ at: clock.now(), messages });
    },
  };
  return rec;
}

const run = (over: Partial<QueueRun> = {}): QueueRun => ({
  workload: 'b',
  msgsPerSecond: 1000,
  p50Ms: 5,
  p99Ms: 20,
  seconds: 20,
  published: 20_000,
  delivered: 20_000,
  publishErrors: 0,
  consumerErrors: 0,
  duplicates: 0,
  lost: 0,
  ...over,
});

describe('the queue benchmark workloads', () => {
  it('are the four of the comparison', () => {
    expect(WORKLOADS.map((w) => [w.id, w.messages, w.producers, w.batch, w.ratePerSecond])).toEqual([
      ['a', 5000, 1, 1, undefined],
      ['b', 20_000, 16, 1, undefined],
      ['c', 50_000, 1, 100, undefined],
      ['d', 30_000, 1, 100, 2000],
    ]);
  });

  it('lets concurrent producers share one counter: every message published once, in batches of at most `batch`', async () => {
    const clock = fakeClock();
    const pub = recorder(clock);
    const w: Workload = { id: 'b', label: 'b', short: 'b', messages: 250, producers: 16, batch: 7 };
    const totals = await publishWorkload(pub, w, clock);
    expect(totals).toMatchObject({ published: 250, publishErrors: 0, failedMessages: 0, firstPublishAt: clock.time });
    expect(pub.calls.reduce((n, c) => n + c.messages.length, 0)).toBe(250);
    expect(pub.calls.map((c) => c.messages.length).sort((a, b) => a - b)[0]).toBe(250 % 7);
    expect(pub.maxInFlight).toBe(16);
    const body = pub.calls[0]!.messages[0]!;
    expect(body.p).toHaveLength(1024);
    expect(body.t).toBe(clock.time);
  });

  it('counts failed publish calls and leaves their messages out of the published count', async () => {
    const clock = fakeClock();
    const w: Workload = { id: 'c', label: 'c', short: 'c', messages: 1000, producers: 1, batch: 100 };
    const totals = await publishWorkload(recorder(clock, 3), w, clock);
    expect(totals).toMatchObject({ published: 700, publishErrors: 3, failedMessages: 300 });
  });

  it('paces batches to the rate: batch k waits until t0 + messages before it / rate', async () => {
    expect(dueAt(1000, 0, 2000)).toBe(1000);
    expect(dueAt(1000, 300, 2000)).toBe(1150);
    const clock = fakeClock(0);
    const pub = recorder(clock);
    const w: Workload = {
      id: 'd',
      label: 'd',
      short: 'd',
      messages: 1000,
      producers: 1,
      batch: 100,
      ratePerSecond: 2000,
    };
    const totals = await publishWorkload(pub, w, clock);
    expect(pub.calls.map((c) => c.at)).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]);
    expect(pub.calls.map((c) => c.messages[0]!.t)).toEqual(pub.calls.map((c) => c.at));
    expect(totals.firstPublishAt).toBe(0);
    expect(totals.lastPublishAt).toBe(450);
  });

  it('does not sleep when a paced producer is behind its schedule', async () => {
    const clock = fakeClock(0);
    const slow: Publisher = { publish: async () => void (clock.time += 80) };
    const sleep = jest.spyOn(clock, 'sleep');
    await publishWorkload(
      slow,
      { id: 'd', label: 'd', short: 'd', messages: 300, producers: 1, batch: 100, ratePerSecond: 2000 },
      clock,
    );
    expect(sleep).not.toHaveBeenCalled();
    expect(clock.time).toBe(240);
  });
});

describe('the consumer tally', () => {
  it('counts a message once, its repeats as duplicates, and its latency from the publish time', () => {
    const tally = new DeliveryTally(3, 0);
    tally.receive('m1', 100, 110);
    tally.receive('m2', 100, 130);
    tally.receive('m1', 100, 200);
    expect(tally.received).toBe(2);
    expect(tally.duplicates).toBe(1);
    expect(tally.allReceived).toBe(false);
    tally.receive('m3', 150, 151);
    expect(tally.allReceived).toBe(true);
    const report = tally.report();
    expect(report).toMatchObject({ received: 3, duplicates: 1, p50Ms: 10, p99Ms: 30, gaveUp: false });
    expect(Number.isNaN(report.lastAckAt)).toBe(true);
  });

  it('resolves once every message is acked, with the last ack time', async () => {
    const tally = new DeliveryTally(100, 0);
    let acked = false;
    const done = tally.whenAcked().then(() => (acked = true));
    tally.ack(60, 500);
    tally.ack(0, 900);
    await new Promise((r) => setImmediate(r));
    expect(acked).toBe(false);
    // The producer published fewer than planned: that is the new target.
    tally.setTarget(60, 600);
    await done;
    expect(tally.report().lastAckAt).toBe(500);
  });

  it('gives up when told, reporting it only if messages are missing', async () => {
    const tally = new DeliveryTally(2, 0);
    tally.receive('x', 0, 1);
    tally.stop();
    await tally.whenAcked();
    expect(tally.allReceived).toBe(true);
    expect(tally.report().gaveUp).toBe(true);
  });
});

describe('the queue benchmark figures', () => {
  it('derives msgs/s from the first publish to the last ack, and messages lost', () => {
    const totals = {
      firstPublishAt: 10_000,
      lastPublishAt: 14_000,
      published: 5000,
      publishErrors: 1,
      failedMessages: 1,
    };
    const report = {
      received: 4990,
      duplicates: 2,
      acked: 4990,
      errors: 3,
      lastAckAt: 15_000,
      p50Ms: 4,
      p99Ms: 9,
      gaveUp: true,
    };
    expect(queueRun('a', totals, report)).toEqual({
      workload: 'a',
      msgsPerSecond: 998,
      p50Ms: 4,
      p99Ms: 9,
      seconds: 5,
      published: 5000,
      delivered: 4990,
      publishErrors: 1,
      consumerErrors: 3,
      duplicates: 2,
      lost: 10,
    });
    expect(queueRun('a', totals, { ...report, received: 0, lastAckAt: NaN }).msgsPerSecond).toBe(0);
  });

  it('summarizes rounds by their medians and sums their counts', () => {
    const m = medianOfRounds([
      run({ msgsPerSecond: 500, p99Ms: 90, duplicates: 1 }),
      run({ msgsPerSecond: 100, p99Ms: 300, publishErrors: 2 }),
      run({ msgsPerSecond: 700, p99Ms: 60 }),
    ]);
    expect(m).toMatchObject({
      workload: 'b',
      msgsPerSecond: 500,
      p99Ms: 90,
      published: 60_000,
      publishErrors: 2,
      duplicates: 1,
    });
    expect(medianOfRounds([run({ msgsPerSecond: 400 }), run({ msgsPerSecond: 600 })]).msgsPerSecond).toBe(500);
    expect(() => medianOfRounds([])).toThrow(/no rounds/);
  });

  it('gives the ratio DSS/BullMQ, per round in turn order', () => {
    expect(ratio(run({ msgsPerSecond: 3000 }), run({ msgsPerSecond: 1500 }))).toBe(2);
    expect(ratio(run(), run({ msgsPerSecond: 0 }))).toBeUndefined();
    expect(
      roundRatios(
        [run({ msgsPerSecond: 100 }), run({ msgsPerSecond: 300 })],
        [run({ msgsPerSecond: 200 }), run({ msgsPerSecond: 100 })],
      ),
    ).toEqual([0.5, 3]);
  });

  it('prints a table row per workload, a dash for a side that did not run', () => {
    expect(tableHeader(false)[0]).toBe(
      '| workload | DSS msgs/s | BullMQ msgs/s | ratio DSS/BullMQ | DSS p50 / p99 | BullMQ p50 / p99 | errors DSS / BullMQ |',
    );
    const dss = run({ msgsPerSecond: 12_345.6, p50Ms: 3.25, p99Ms: 150.4, duplicates: 2 });
    const bull = run({ msgsPerSecond: 6172.8, p50Ms: 1, p99Ms: 4, publishErrors: 1, lost: 7 });
    expect(tableRow('c', dss, bull)).toBe(
      '| c | 12,346 | 6,173 | 2.00 | 3.3 / 150 ms | 1.0 / 4.0 ms | 0+0+2 / 1+0+0 (7 lost) |',
    );
    expect(tableRow('a', dss, undefined)).toBe('| a | 12,346 | – | – | 3.3 / 150 ms | – | 0+0+2 / – |');
    expect(tableHeader(true)[1]).toBe('|---|---|---|---|---|---|---|---|');
    expect(tableRow('c', dss, bull, { dss: [dss, dss], bullmq: [bull, run({ msgsPerSecond: 0 })] })).toMatch(
      /\| 2\.00, – \|$/,
    );
  });

  it('charts the rate of the unpaced workloads and the p99 of all', () => {
    const runs = ['a', 'b', 'c', 'd'].map((id) => run({ workload: id as QueueRun['workload'] }));
    const spec = queueChartSpec(
      [
        { system: 'DSS', runs },
        { system: 'BullMQ', runs: runs.slice(0, 2) },
      ],
      't',
    );
    const panels = 'hconcat' in spec ? spec.hconcat : [];
    const values = panels.map((p) =>
      'data' in p && p.data && 'values' in p.data && Array.isArray(p.data.values)
        ? (p.data.values as { workload: string }[])
        : [],
    );
    expect(values[0]!.map((v) => v.workload)).toEqual([
      'a: 1 producer',
      'b: 16 producers',
      'c: batches of 100',
      'a: 1 producer',
      'b: 16 producers',
    ]);
    expect(values[1]).toHaveLength(6);
  });
});

describe('the queue benchmark options', () => {
  it('parses host:port and workload lists', () => {
    expect(hostPort('127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380 });
    expect(() => hostPort('6379')).toThrow(/host:port/);
    expect(() => hostPort('redis:0')).toThrow(/host:port/);
    expect(listOf(['a', 'b', 'c'])('a,c')).toEqual(['a', 'c']);
    expect(() => listOf(['a', 'b'])('a,x')).toThrow(/a, b/);
  });
});

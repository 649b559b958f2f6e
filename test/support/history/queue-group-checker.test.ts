import { HistoryBuilder } from './history-builder.js';
import { checkGroupHistory, CLOCK_SLACK_MS, formatGroupCheck } from './queue-group-checker.js';

const T = 'orders';
const VIS = 3000;
const pub = (group: string, ...messages: string[]) => ({ topic: T, group, messages });
/** A consume's ok value; each body's receipt is `r-<body>-<n>`, n the sighting. */
const got = (n: number, ...bodies: string[]) => ({
  messages: bodies.map((body) => ({
    id: `id-${body}`,
    body,
    receipt: `r-${body}-${n}`,
    group: body[0],
    deliveries: n,
  })),
});
const ack = (...receipts: string[]) => ({ topic: T, receipts });
const check = (b: HistoryBuilder) => checkGroupHistory(b.build(), { visibilityMs: VIS });

describe('message-group checker', () => {
  it('accepts in-order, one-at-a-time delivery, redeliveries after expiry included', () => {
    const r = check(
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1', 'a2'), [0, 1])
        .ok('p', 'publish', pub('a', 'a3'), [2, 3])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a1'))
        .unknown('c', 'ack', ack('r-a1-1'), [6, 7])
        .ok('c', 'consume', { topic: T }, [6 + VIS, 7 + VIS], got(2, 'a1'))
        .ok('c', 'ack', ack('r-a1-2'), [8 + VIS, 9 + VIS], { acked: 1 })
        .ok('c', 'consume', { topic: T }, [10 + VIS, 11 + VIS], got(1, 'a2'))
        .ok('c', 'ack', ack('r-a2-1'), [12 + VIS, 13 + VIS], { acked: 1 })
        .ok('c', 'consume', { topic: T }, [14 + VIS, 15 + VIS], got(1, 'a3'))
        .ok('d', 'dead', { topic: T }, [20 + VIS, 21 + VIS], { messages: [] }),
    );
    expect(formatGroupCheck(r)).toBe('');
    expect(r.stats).toEqual({ groups: 1, orderedPairs: 3, deliveries: 4 });
  });

  it('reports a later body that came out before an earlier one', () => {
    const r = check(
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1'), [0, 1])
        .ok('p', 'publish', pub('a', 'a2'), [2, 3])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a2'))
        .ok('c', 'ack', ack('r-a2-1'), [6, 7], { acked: 1 })
        .ok('c', 'consume', { topic: T }, [8, 9], got(1, 'a1')),
    );
    expect(r.violations.map((v) => [v.kind, v.first, v.second])).toEqual([['order', 'a1', 'a2']]);
    expect(formatGroupCheck(r)).toMatch(/group a: "a2" came out before "a1"/);
  });

  it('reports two bodies of a group in flight together, in one consume or two', () => {
    const one = check(
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1', 'a2'), [0, 1])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a1', 'a2')),
    );
    expect(one.violations.map((v) => v.kind)).toContain('overlap');
    const two = check(
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1', 'a2'), [0, 1])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a1'))
        .ok('d', 'consume', { topic: T }, [6, 7], got(1, 'a2'))
        .ok('c', 'ack', ack('r-a1-1'), [8, 9], { acked: 1 }),
    );
    expect(two.violations.map((v) => [v.kind, v.first, v.second])).toEqual([['overlap', 'a1', 'a2']]);
  });

  it('forgives what the clients cannot tell apart: an ack in progress, expiry near the clock slack, other groups', () => {
    const r = check(
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1', 'a2'), [0, 1])
        .ok('p', 'publish', pub('b', 'b1'), [0, 1])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a1', 'b1'))
        .ok('c', 'ack', ack('r-a1-1'), [6, 20], { acked: 1 })
        // Concurrent with the ack: a2 may have come out after it took effect.
        .ok('d', 'consume', { topic: T }, [7, 10], got(1, 'a2'))
        .ok('d', 'consume', { topic: T }, [4 + VIS - CLOCK_SLACK_MS, 5 + VIS], got(2, 'b1')),
    );
    expect(formatGroupCheck(r)).toBe('');
  });

  it('reports a body skipped over, unless it is a dead letter or the dead letters are unknown', () => {
    const base = () =>
      new HistoryBuilder()
        .ok('p', 'publish', pub('a', 'a1'), [0, 1])
        .ok('p', 'publish', pub('a', 'a2'), [2, 3])
        .ok('c', 'consume', { topic: T }, [4, 5], got(1, 'a2'));
    expect(check(base().ok('d', 'dead', { topic: T }, [9, 10], { messages: [] })).violations).toEqual([
      expect.objectContaining({ kind: 'skipped', first: 'a1', second: 'a2' }),
    ]);
    expect(check(base().ok('d', 'dead', { topic: T }, [9, 10], { messages: [{ body: 'a1' }] })).ok).toBe(true);
    expect(check(base().unknown('d', 'dead', { topic: T }, [9, 10])).ok).toBe(true);
  });

  it('does not order bodies of an unknown publish, nor publishes that overlapped', () => {
    const r = check(
      new HistoryBuilder()
        .unknown('p', 'publish', pub('a', 'a1'), [0, 1])
        .ok('p', 'publish', pub('a', 'a2'), [2, 3])
        .ok('q', 'publish', pub('a', 'a3'), [2.5, 4])
        .ok('c', 'consume', { topic: T }, [5, 6], got(1, 'a3'))
        .ok('c', 'ack', ack('r-a3-1'), [6, 7], { acked: 1 })
        .ok('c', 'consume', { topic: T }, [8, 9], got(1, 'a2'))
        .ok('c', 'ack', ack('r-a2-1'), [9, 10], { acked: 1 })
        .ok('c', 'consume', { topic: T }, [11, 12], got(1, 'a1')),
    );
    expect(formatGroupCheck(r)).toBe('');
  });
});

import { HistoryBuilder } from './history-builder.js';
import { checkQueueHistory, formatQueueCheck } from './queue-checker.js';

const T = 'orders';
const pub = (...messages: string[]) => ({ topic: T, messages });
const got = (...bodies: string[]) => ({
  messages: bodies.map((body, i) => ({ id: `id-${body}-${i}`, body, deliveries: 1 })),
});
const dead = (...bodies: string[]) => ({ messages: bodies.map((body) => ({ body })) });

describe('queue checker', () => {
  it('accepts a history where every acknowledged message came out, and counts duplicates', () => {
    const h = new HistoryBuilder()
      .ok('p', 'publish', pub('a', 'b'), [0, 1])
      .ok('p', 'publish', pub('c'), [2, 3])
      .ok('c', 'consume', { topic: T }, [4, 5], got('a', 'b'))
      .unknown('c', 'ack', { topic: T, bodies: ['a', 'b'] }, [6, 7])
      .ok('c', 'consume', { topic: T }, [8, 9], got('a', 'c'))
      .ok('c', 'consume', { topic: T }, [10, 11], got('a'))
      .ok('c', 'ack', { topic: T, bodies: ['a', 'c'] }, [12, 13], { acked: 2 })
      .build();
    const result = checkQueueHistory(h);
    expect(formatQueueCheck(result)).toBe('');
    expect(result).toMatchObject({ ok: true, lost: [], unexpected: [], duplicates: 2, duplicatedMessages: 1 });
    expect(result.stats).toEqual({
      published: 3,
      publishUnknown: 0,
      publishFailed: 0,
      delivered: 3,
      deliveries: 5,
      deadLettered: 0,
      recoveredUnknown: 0,
    });
  });

  it('reports a lost acknowledged message', () => {
    const h = new HistoryBuilder()
      .ok('p', 'publish', pub('a', 'b'), [0, 1])
      .ok('c', 'consume', { topic: T }, [4, 5], got('a'))
      .ok('c', 'consume', { topic: T }, [6, 7], got())
      .build();
    const result = checkQueueHistory(h);
    expect(result.ok).toBe(false);
    expect(result.lost).toEqual(['b']);
    expect(formatQueueCheck(result)).toContain(
      'lost: acknowledged but never consumed nor dead-lettered (1):\n  "b" (topic orders; publishes: #0 ok)',
    );
  });

  it('reports a body no publish put in, or one published only after it came out', () => {
    const h = new HistoryBuilder()
      .ok('p', 'publish', pub('a'), [0, 1])
      .ok('c', 'consume', { topic: T }, [2, 3], got('a', 'zz', 'late'))
      .ok('p', 'publish', pub('late'), [5, 6])
      .build();
    const result = checkQueueHistory(h);
    expect(result.ok).toBe(false);
    expect(result.unexpected).toEqual(['zz', 'late']);
    expect(formatQueueCheck(result)).toContain(
      '"zz" (topic orders; publishes: none; first out in consume #1 at 3.000)',
    );
  });

  it('reports a body that came out of another topic as lost there and unexpected here', () => {
    const h = new HistoryBuilder()
      .ok('p', 'publish', pub('a'), [0, 1])
      .ok('c', 'consume', { topic: 'other' }, [2, 3], got('a'))
      .build();
    const result = checkQueueHistory(h);
    expect(result.lost).toEqual(['a']);
    expect(result.unexpected).toEqual(['a']);
  });

  it('reports a definitely refused publish that took effect anyway as unexpected', () => {
    const h = new HistoryBuilder()
      .fail('p', 'publish', pub('a'), [0, 1], { status: 400 })
      .ok('c', 'consume', { topic: T }, [2, 3], got('a'))
      .build();
    const result = checkQueueHistory(h);
    expect(result.unexpected).toEqual(['a']);
    expect(result.stats.publishFailed).toBe(1);
    expect(formatQueueCheck(result)).toContain('publishes: #0 fail');
  });

  it('accepts a refused publish retried successfully', () => {
    const h = new HistoryBuilder()
      .fail('p', 'publish', pub('a'), [0, 1])
      .ok('p', 'publish', pub('a'), [2, 3])
      .ok('c', 'consume', { topic: T }, [4, 5], got('a'))
      .build();
    expect(checkQueueHistory(h).ok).toBe(true);
  });

  it('accepts an unknown publish whether or not its messages came out', () => {
    const h = new HistoryBuilder()
      .unknown('p', 'publish', pub('a', 'b'), [0, 10])
      .pending('p', 'publish', pub('c'), 11)
      .ok('c', 'consume', { topic: T }, [4, 5], got('a'))
      .unknown('c', 'consume', { topic: T }, [12, 20])
      .build();
    const result = checkQueueHistory(h);
    expect(result.ok).toBe(true);
    expect(result.stats).toMatchObject({ published: 0, publishUnknown: 3, recoveredUnknown: 1, delivered: 1 });
  });

  it('counts dead-lettered messages as delivered, not lost', () => {
    const h = new HistoryBuilder()
      .ok('p', 'publish', pub('a', 'b'), [0, 1])
      .ok('c', 'consume', { topic: T }, [2, 3], got('a', 'b'))
      .ok('c', 'consume', { topic: T }, [4, 5], got('b'))
      .ok('c', 'dead', { topic: T }, [6, 7], dead('b'))
      .build();
    const result = checkQueueHistory(h);
    expect(result.ok).toBe(true);
    expect(result.stats).toMatchObject({ deadLettered: 1, delivered: 2, deliveries: 3 });

    const onlyDead = new HistoryBuilder()
      .ok('p', 'publish', pub('x'), [0, 1])
      .ok('c', 'dead', { topic: T }, [2, 3], dead('x'))
      .build();
    expect(checkQueueHistory(onlyDead)).toMatchObject({ ok: true, lost: [] });
  });

  it('lists at most 20 bodies per kind in the report', () => {
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    const result = checkQueueHistory(new HistoryBuilder().ok('p', 'publish', pub(...bodies), [0, 1]).build());
    expect(result.lost).toHaveLength(25);
    const report = formatQueueCheck(result);
    expect(report).toContain('"m19"');
    expect(report).not.toContain('"m20"');
    expect(report).toContain('… and 5 more');
  });

  it('refuses malformed ops instead of passing them silently', () => {
    const h = new HistoryBuilder().ok('c', 'consume', { topic: T }, [0, 1], { items: [] }).build();
    expect(() => checkQueueHistory(h)).toThrow(/consume needs/);
  });
});

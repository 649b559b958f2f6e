import { topicCounters, topicRates } from './queue-rates.js';

const node = (published: number, acked: number, topic = 'orders') =>
  [
    '# HELP dss_queue_published_total Messages published (durable), by topic.',
    '# TYPE dss_queue_published_total counter',
    `dss_queue_published_total{topic="${topic}",node="node1",role="queue"} ${published}`,
    `dss_queue_acked_total{node="node1",role="queue",topic="${topic}"} ${acked}`,
    `dss_queue_owned_topics{node="node1",role="queue"} 3`,
  ].join('\n');

describe('queue rates from the daemons’ counters', () => {
  it('sums a topic over the queue nodes, whatever the label order', () => {
    const c = topicCounters([node(10, 4), node(5, 1)]);
    expect(c.get('orders')).toEqual({ published: 15, delivered: 0, acked: 5 });
    expect(c.size).toBe(1);
  });

  it('reads escaped topic labels', () => {
    const c = topicCounters(['dss_queue_published_total{topic="a\\"b"} 2']);
    expect([...c.keys()]).toEqual(['a"b']);
  });

  it('divides the increase by the seconds between samples', () => {
    const before = topicCounters([node(10, 4)]);
    const after = topicCounters([node(30, 14)]);
    expect(topicRates(before, after, 2)).toEqual({ orders: { published: 10, delivered: 0, acked: 5 } });
  });

  it('gives no rate for a counter that went down (a daemon restarted)', () => {
    expect(topicRates(topicCounters([node(30, 4)]), topicCounters([node(3, 6)]), 1)).toEqual({
      orders: { delivered: 0, acked: 2 },
    });
  });
});

// Per-topic rates for the Queues page, from the queue daemons' own counters
// (GET /metrics): the console keeps the previous sample and divides.

import { QUEUE_METRICS } from '@dss/queue/queue-metrics.js';

/** The counters the page shows as rates: the queue daemons' own, by their Prometheus names. */
export const RATE_COUNTERS = {
  published: QUEUE_METRICS.published,
  delivered: QUEUE_METRICS.delivered,
  acked: QUEUE_METRICS.acked,
} as const;
export type RateName = keyof typeof RATE_COUNTERS;
const RATE_NAMES: readonly RateName[] = ['published', 'delivered', 'acked'];

export type TopicCounters = Map<string, Record<RateName, number>>;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}\s+(\S+)/;
const TOPIC_LABEL = /(?:^|,)topic="((?:[^"\\]|\\.)*)"/;

/** Sums each counter by topic over the given exposition texts (one per queue node). */
export function topicCounters(texts: readonly string[]): TopicCounters {
  const byName = new Map<string, RateName>(RATE_NAMES.map((name) => [RATE_COUNTERS[name], name]));
  const out: TopicCounters = new Map();
  for (const text of texts)
    for (const line of text.split('\n')) {
      const m = SAMPLE.exec(line);
      const rate = m && byName.get(m[1]!);
      if (!m || !rate) continue;
      const topic = TOPIC_LABEL.exec(m[2]!)?.[1]?.replace(/\\(.)/g, '$1');
      const value = Number(m[3]);
      if (topic === undefined || !Number.isFinite(value)) continue;
      const row = out.get(topic) ?? { published: 0, delivered: 0, acked: 0 };
      row[rate] += value;
      out.set(topic, row);
    }
  return out;
}

/**
 * Per-second rates between two samples. A counter that went down (a daemon
 * restarted and began again from 0) gives no rate rather than a negative one.
 */
export function topicRates(
  before: TopicCounters,
  after: TopicCounters,
  seconds: number,
): Record<string, Partial<Record<RateName, number>>> {
  const out: Record<string, Partial<Record<RateName, number>>> = {};
  if (seconds <= 0) return out;
  for (const [topic, now] of after) {
    const then = before.get(topic) ?? { published: 0, delivered: 0, acked: 0 };
    const row: Partial<Record<RateName, number>> = {};
    for (const name of RATE_NAMES) {
      const delta = now[name] - then[name];
      if (delta >= 0) row[name] = Math.round((delta / seconds) * 10) / 10;
    }
    out[topic] = row;
  }
  return out;
}

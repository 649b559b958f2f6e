// DSS's side of the queue comparison: its HTTP API through undici Pools
// (http.ts). Publishes go round-robin over the nodes; the consumer runs
// CONSUME_LOOPS loops, loop i on node i % nodes, each taking up to 100
// messages per consume. By default a loop acks a batch in its next consume
// (ack-and-fetch: `ack` carries the receipts, and that consume does not wait,
// so acks are never held during a long poll); with `separateAck` it acks each
// batch with POST /queue/ack before consuming again.
import { Redis } from 'ioredis';
import { TOPICS_KEY, topicKeys } from '@dss/queue/storage/queue-keys.js';
import { closePools, httpRequest, postJson } from './http.js';
import type { ConsumerSpec, RunningConsumer, StartConsumer } from './queue-consumer.js';
import type { BenchMessage, DeliveryTally, Publisher } from './queue-load.js';

export const CONSUME_LOOPS = 4;
const CONSUME = { max: 100, waitMs: 1000, visibilityMs: 30_000 } as const;

interface Delivery {
  readonly id: string;
  readonly receipt: string;
  readonly body: BenchMessage;
}

interface ConsumeAnswer {
  readonly messages: Delivery[];
  readonly acked?: number;
  readonly stale?: string[];
}

interface AckAnswer {
  readonly acked: number;
  readonly stale: string[];
}

export function dssPublisher(urls: readonly string[], topic: string): Publisher {
  let next = 0;
  return {
    async publish(messages) {
      const url = urls[next++ % urls.length]!;
      const res = await httpRequest('POST', `${url}/queue/publish`, JSON.stringify({ topic, messages }));
      if (res.status !== 201) throw new Error(`publish: HTTP ${res.status} ${res.text.slice(0, 100)}`);
    },
  };
}

/** Opens a pooled connection to every node, so the first publish or consume does not pay for it. */
export async function warmDss(urls: readonly string[]): Promise<void> {
  await Promise.all(urls.map((u) => httpRequest('GET', `${u}/health`, undefined, 2000)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function consumeLoop(url: string, spec: ConsumerSpec, tally: DeliveryTally): Promise<void> {
  const topic = spec.name;
  const ack = async (receipts: string[]): Promise<void> => {
    try {
      const res = await postJson<AckAnswer>(`${url}/queue/ack`, { topic, receipts });
      if (res.status !== 200 || !res.body) throw new Error(`ack: HTTP ${res.status}`);
      tally.ack(res.body.acked, Date.now());
      tally.error(res.body.stale.length);
    } catch {
      tally.error();
    }
  };
  let pending: string[] = [];
  while (!tally.allReceived) {
    const acking = pending.length > 0;
    const body = { topic, ...CONSUME, ...(acking ? { waitMs: 0, ack: pending } : {}) };
    let answer: ConsumeAnswer;
    try {
      const res = await postJson<ConsumeAnswer>(`${url}/queue/consume`, body);
      if (res.status !== 200 || !res.body) throw new Error(`consume: HTTP ${res.status}`);
      answer = res.body;
    } catch {
      // The receipts stay pending: acked again next time (stale if this one acked them after all).
      tally.error();
      await sleep(100);
      continue;
    }
    const now = Date.now();
    if (acking) {
      tally.ack(answer.acked ?? 0, now);
      tally.error(answer.stale?.length ?? 0);
      pending = [];
    }
    for (const m of answer.messages) tally.receive(m.id, m.body.t, now);
    const receipts = answer.messages.map((m) => m.receipt);
    if (spec.separateAck) {
      if (receipts.length > 0) await ack(receipts);
    } else {
      pending = receipts;
    }
  }
  if (pending.length > 0) await ack(pending);
}

export const startDssConsumer: StartConsumer = async (spec, tally): Promise<RunningConsumer> => {
  await warmDss(spec.urls);
  const finished = Promise.all(
    Array.from({ length: CONSUME_LOOPS }, (_, i) => consumeLoop(spec.urls[i % spec.urls.length]!, spec, tally)),
  ).then(() => undefined);
  return { finished, close: closePools };
};

/**
 * Removes what is left of a run's topic (nothing once every message is acked,
 * but the topic list's entry) from DSS's Redis. False when `--redis` has no
 * such topic: then it is not the cluster's Redis.
 */
export async function dropDssTopic(redis: Redis, topic: string): Promise<boolean> {
  const [removed] = await Promise.all([redis.srem(TOPICS_KEY, topic), redis.del(...Object.values(topicKeys(topic)))]);
  return removed === 1;
}

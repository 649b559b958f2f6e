// BullMQ's side of the queue comparison, on the Redis given by --redis (the
// DSS cluster's own by default): `add` for one message, `addBulk` for a batch,
// jobs removed on completion; the consumer is one Worker at concurrency 50
// whose processor only records the latency, a job counting as done on the
// worker's 'completed' event.
import { Queue, Worker, type Job } from 'bullmq';
import type { RedisAddress, RunningConsumer, StartConsumer } from './queue-consumer.js';
import type { BenchMessage, Publisher } from './queue-load.js';

export const WORKER_CONCURRENCY = 50;
const JOB = { removeOnComplete: true } as const;

export interface BullmqPublisher extends Publisher {
  /** Removes the queue and everything in it (call once the consumer has gone), then closes the connection. */
  dispose(): Promise<void>;
}

export async function bullmqPublisher(name: string, connection: RedisAddress): Promise<BullmqPublisher> {
  const queue = new Queue<BenchMessage>(name, { connection: { ...connection } });
  await queue.waitUntilReady();
  return {
    async publish(messages) {
      if (messages.length === 1) await queue.add('m', messages[0]!, JOB);
      else await queue.addBulk(messages.map((data) => ({ name: 'm', data, opts: JOB })));
    },
    async dispose() {
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    },
  };
}

export const startBullmqConsumer: StartConsumer = async (spec, tally): Promise<RunningConsumer> => {
  const worker = new Worker<BenchMessage>(
    spec.name,
    async (job: Job<BenchMessage>) => {
      tally.receive(job.id ?? '', job.data.t, Date.now());
    },
    { connection: { ...spec.redis }, concurrency: WORKER_CONCURRENCY },
  );
  worker.on('completed', () => tally.ack(1, Date.now()));
  worker.on('failed', () => tally.error());
  worker.on('error', () => tally.error());
  await worker.waitUntilReady();
  return { finished: tally.whenAcked(), close: () => worker.close() };
};

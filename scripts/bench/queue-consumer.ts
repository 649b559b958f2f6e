// The consumer of a queue run, in a process of its own (child_process.fork of
// the benchmark's own file with CONSUMER_ROLE as first argument), so the
// producer and the consumer do not share one event loop: the same for both
// systems. Protocol over the IPC channel:
//   child -> parent  { type: 'ready' }       consuming; the parent may publish
//   parent -> child  { type: 'published', count }   the producer is done
//   child -> parent  { type: 'done', report }        then the child exits
// The child is done when `count` distinct messages are acked, or when nothing
// came for STALL_MS after the producer finished (report.gaveUp).
import { fork } from 'node:child_process';
import { DeliveryTally, type ConsumerReport } from './queue-load.js';

export const CONSUMER_ROLE = '--queue-consumer';

export type QueueSystem = 'dss' | 'bullmq';

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

export interface ConsumerSpec {
  readonly system: QueueSystem;
  /** DSS topic or BullMQ queue name. */
  readonly name: string;
  /** Messages to expect until the producer says how many it published. */
  readonly target: number;
  readonly urls: readonly string[];
  readonly redis: RedisAddress;
  readonly separateAck: boolean;
}

export interface RunningConsumer {
  /** Settles once the tally says every message is in (DSS: received, then acked; BullMQ: completed). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

/** Starts consuming; resolves once the consumer is ready for the first publish. */
export type StartConsumer = (spec: ConsumerSpec, tally: DeliveryTally) => Promise<RunningConsumer>;

/**
 * Longer than DSS's 30 s visibility: a delivery lost on the way (an HTTP error
 * after the server took the messages) comes back after it.
 */
const STALL_MS = 35_000;

type ToChild = { type: 'published'; count: number };
type ToParent = { type: 'ready' } | { type: 'done'; report: ConsumerReport } | { type: 'failed'; message: string };

export interface ConsumerHandle {
  /** Tells the child how many messages the producer managed to publish. */
  published(count: number): void;
  /** The child's report, once it has exited. */
  readonly done: Promise<ConsumerReport>;
}

/** Forks the consumer and resolves once it is ready. */
export function forkConsumer(file: string, spec: ConsumerSpec): Promise<ConsumerHandle> {
  const child = fork(file, [CONSUMER_ROLE, JSON.stringify(spec)], { stdio: 'inherit' });
  let report: ConsumerReport | undefined;
  let failure: string | undefined;
  let onReady: (() => void) | undefined;
  const done = new Promise<ConsumerReport>((resolve, reject) => {
    child.on('message', (m: ToParent) => {
      if (m.type === 'ready') onReady?.();
      else if (m.type === 'done') report = m.report;
      else failure = m.message;
    });
    child.once('exit', (code, signal) => {
      if (report) resolve(report);
      else
        reject(
          new Error(
            `the ${spec.system} consumer exited (${signal ?? code}) without a report${failure ? `: ${failure}` : ''}`,
          ),
        );
    });
  });
  const handle: ConsumerHandle = {
    published: (count) => {
      if (child.connected) child.send({ type: 'published', count } satisfies ToChild);
    },
    done,
  };
  return new Promise((resolve, reject) => {
    onReady = () => resolve(handle);
    done.then(() => reject(new Error(`the ${spec.system} consumer finished before it was ready`)), reject);
  });
}

/** The child's side: runs the consumer `start` builds, reports, exits. */
export async function consumerChild(specJson: string, start: StartConsumer): Promise<void> {
  const send = (m: ToParent) => new Promise<void>((r) => (process.send ? process.send(m, () => r()) : r()));
  const spec = JSON.parse(specJson) as ConsumerSpec;
  const tally = new DeliveryTally(spec.target, Date.now());
  let publishedKnown = false;
  process.on('message', (m: ToChild) => {
    if (m.type !== 'published') return;
    publishedKnown = true;
    tally.setTarget(m.count, Date.now());
  });
  // The parent died: nobody reads the report.
  process.once('disconnect', () => process.exit(2));
  try {
    const consumer = await start(spec, tally);
    await send({ type: 'ready' });
    const stall = setInterval(() => {
      if (publishedKnown && Date.now() - tally.lastProgressAt > STALL_MS) tally.stop();
    }, 500);
    await consumer.finished;
    clearInterval(stall);
    await consumer.close();
    await send({ type: 'done', report: tally.report() });
    process.exit(0);
  } catch (err) {
    await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}

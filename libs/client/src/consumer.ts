import type { Delivery } from './client-types.js';
import { backoffDelay, sleep } from '@dss/backoff';
import { CONSUMER_DEFAULTS } from './defaults.js';
import { InvalidArgumentError, StaleReceiptError } from './errors.js';
import type { QueueClient } from './queue-client.js';

// The consumer loop: long-poll for as many deliveries as there are free
// handler slots, run each handler while extending the delivery's visibility
// (so a slow handler does not see its message redelivered to someone else),
// ack on success, nack with a growing delay on failure. A handler that
// finishes while every slot was busy has its ack carried by the consume that
// refills its slot (ack-and-fetch: one request instead of two). At-least-once: a
// handler can still see a message twice (a crash, a lost ack), so handlers
// should be idempotent.

export interface ConsumerOptions {
  /** Handlers running at once; default 1. */
  concurrency?: number;
  /** Visibility of each delivery and of each extension; default 30 s. */
  visibilityMs?: number;
  /** Long-poll of each consume; default 5 s. */
  waitMs?: number;
  /** Default visibilityMs / 3. */
  extendEveryMs?: number;
  /** nack delay after a failed handler, from the delivery count; default 1 s * 2^(n-1), at most 60 s. */
  backoffMs?: (deliveries: number) => number;
  /** Handler failures, failed acks / nacks / extends, failed polls. Default: a warning on stderr. */
  onError?: (err: unknown, d?: Delivery) => void;
  /** Aborting it stops the consumer and aborts every running handler's signal. */
  signal?: AbortSignal;
}

export interface Consumer {
  /** Stops polling and waits for running handlers (and their ack / nack). */
  stop(): Promise<void>;
  /** Settles once the consumer has stopped and its handlers have finished; never rejects. */
  readonly done: Promise<void>;
  readonly stats: { handled: number; failed: number; extended: number };
}

type QueueOps = Pick<QueueClient, 'consume' | 'ackAndConsume' | 'ack' | 'nack' | 'extend'>;

/** What became of an ack carried by a consume: done, stale, or the consume failed (ack it alone). */
type CarriedAck = 'acked' | 'stale' | 'failed';

export const defaultConsumerBackoff = (deliveries: number): number =>
  backoffDelay(
    { baseMs: CONSUMER_DEFAULTS.backoffBaseMs, maxMs: CONSUMER_DEFAULTS.backoffMaxMs, jitter: 'none' },
    deliveries,
  );

const warn = (topic: string) => (err: unknown, d?: Delivery) =>
  console.warn(
    `dss consumer ${topic}${d ? ` (message ${d.id})` : ''}: ${err instanceof Error ? err.message : String(err)}`,
  );

export class QueueConsumer implements Consumer {
  readonly stats = { handled: 0, failed: 0, extended: 0 };
  readonly done: Promise<void>;
  private stopping = false;
  /** Aborts the long-poll in flight and the pause after a failed one. */
  private readonly poll = new AbortController();
  private readonly running = new Set<Promise<void>>();
  /** Handlers running now (a finished handler waiting for its ack no longer holds a slot). */
  private busy = 0;
  /** Set while the loop waits for a free slot: finished handlers leave their acks for its next consume. */
  private collecting = false;
  private wakeLoop: () => void = () => undefined;
  private readonly carried: { receipt: string; settle: (outcome: CarriedAck) => void }[] = [];
  private readonly handlerSignals = new Set<AbortController>();
  private readonly concurrency: number;
  private readonly visibilityMs: number;
  private readonly waitMs: number;
  private readonly extendEveryMs: number;
  private readonly backoffMs: (deliveries: number) => number;
  private readonly onError: (err: unknown, d?: Delivery) => void;

  constructor(
    private readonly queue: QueueOps,
    private readonly topic: string,
    private readonly handler: (d: Delivery, signal: AbortSignal) => Promise<void>,
    opts: ConsumerOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? CONSUMER_DEFAULTS.concurrency;
    this.visibilityMs = opts.visibilityMs ?? CONSUMER_DEFAULTS.visibilityMs;
    this.waitMs = opts.waitMs ?? CONSUMER_DEFAULTS.waitMs;
    this.extendEveryMs =
      opts.extendEveryMs ?? Math.max(1, Math.floor(this.visibilityMs / CONSUMER_DEFAULTS.extendDivisor));
    this.backoffMs = opts.backoffMs ?? defaultConsumerBackoff;
    this.onError = opts.onError ?? warn(topic);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new InvalidArgumentError('concurrency must be an integer >= 1');
    if (!(this.extendEveryMs > 0)) throw new InvalidArgumentError('extendEveryMs must be positive');
    const external = opts.signal;
    if (external) {
      const onAbort = () => {
        for (const c of this.handlerSignals) c.abort(external.reason);
        void this.stop();
      };
      if (external.aborted) this.stopping = true;
      else external.addEventListener('abort', onAbort, { once: true });
      this.done = this.loop().finally(() => external.removeEventListener('abort', onAbort));
    } else {
      this.done = this.loop();
    }
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.poll.abort(new Error('consumer stopped'));
    this.wakeLoop();
    return this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.concurrency - this.busy;
      if (free <= 0) {
        this.collecting = true;
        await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        continue;
      }
      this.collecting = false;
      const acks = this.carried.splice(0);
      let batch: Delivery[];
      try {
        if (acks.length === 0) {
          batch = await this.queue.consume(
            { topic: this.topic, max: free, visibilityMs: this.visibilityMs, waitMs: this.waitMs },
            { signal: this.poll.signal },
          );
        } else {
          // No long poll with acks aboard: their handlers wait for the answer. When nothing is
          // ready the next round long-polls without them.
          const answer = await this.queue.ackAndConsume(
            {
              topic: this.topic,
              max: free,
              visibilityMs: this.visibilityMs,
              waitMs: 0,
              ack: acks.map((a) => a.receipt),
            },
            { signal: this.poll.signal },
          );
          const stale = new Set(answer.stale);
          for (const a of acks) a.settle(stale.has(a.receipt) ? 'stale' : 'acked');
          batch = answer.messages;
        }
      } catch (err) {
        for (const a of acks) a.settle('failed');
        if (this.stopping) break;
        this.report(err);
        await sleep(CONSUMER_DEFAULTS.pollErrorDelayMs, this.poll.signal).catch(() => undefined);
        continue;
      }
      // Deliveries received are handled even if stop() came meanwhile: they are ours until their visibility ends.
      for (const d of batch) this.start(d);
      if (batch.length === 0 && this.waitMs === 0)
        await sleep(CONSUMER_DEFAULTS.idleDelayMs, this.poll.signal).catch(() => undefined);
    }
    this.collecting = false;
    for (const a of this.carried.splice(0)) a.settle('failed');
    await Promise.allSettled([...this.running]);
  }

  private start(d: Delivery): void {
    this.busy++;
    const task: Promise<void> = this.handle(d)
      .catch((err: unknown) => this.report(err, d)) // e.g. a backoffMs that throws
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /** The handler is done with its slot: the loop may take another delivery. */
  private release(): void {
    this.busy--;
    this.wakeLoop();
  }

  /** Acks with the loop's next consume when it is about to make one for this slot, else alone. */
  private async ackAndRelease(d: Delivery): Promise<void> {
    if (this.collecting && !this.stopping) {
      const outcome = new Promise<CarriedAck>((settle) => this.carried.push({ receipt: d.receipt, settle }));
      this.release();
      const result = await outcome;
      if (result === 'acked') return;
      if (result === 'stale')
        throw new StaleReceiptError(
          'the receipt is no longer valid: its visibility timeout ran out (the message may be redelivered)',
          { details: { receipt: d.receipt } },
        );
    } else {
      this.release();
    }
    await this.queue.ack({ topic: this.topic, receipt: d.receipt });
  }

  private async handle(d: Delivery): Promise<void> {
    const signal = new AbortController();
    this.handlerSignals.add(signal);
    let stale = false;
    let extending: Promise<void> = Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let finished = false;
    const extend = async () => {
      try {
        await this.queue.extend({ topic: this.topic, receipt: d.receipt, visibilityMs: this.visibilityMs });
        this.stats.extended++;
      } catch (err) {
        if (err instanceof StaleReceiptError) {
          // The message is visible again (or redelivered): tell the handler its work may be duplicated.
          stale = true;
          signal.abort(err);
          return;
        }
        this.report(err, d);
      }
      if (!finished) timer = setTimeout(tick, this.extendEveryMs);
    };
    const tick = () => {
      extending = extend();
    };
    timer = setTimeout(tick, this.extendEveryMs);
    let failure: { error: unknown } | undefined;
    try {
      await this.handler(d, signal.signal);
    } catch (error) {
      failure = { error };
    }
    finished = true;
    clearTimeout(timer);
    await extending; // an ack racing an extend would make one of them stale
    this.handlerSignals.delete(signal);
    if (failure) {
      this.stats.failed++;
      this.report(failure.error, d);
    } else {
      this.stats.handled++;
    }
    if (stale) return this.release(); // the receipt is dead: an ack or nack could only answer STALE_RECEIPT
    try {
      if (failure) {
        this.release();
        await this.queue.nack({
          topic: this.topic,
          receipt: d.receipt,
          delayMs: Math.max(0, Math.round(this.backoffMs(d.deliveries))),
        });
      } else {
        await this.ackAndRelease(d);
      }
    } catch (err) {
      this.report(err, d);
    }
  }

  private report(err: unknown, d?: Delivery): void {
    try {
      this.onError(err, d);
    } catch {
      // onError is the caller's code; its failure must not kill the loop
    }
  }
}

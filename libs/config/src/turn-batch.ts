// Calls made in one event-loop turn, sent together, each caller getting its
// own item's result (TurnWaits, beside it, shares one answer among a turn's
// callers instead). A batch goes out at the turn's end, or as soon as
// `limits.items` are waiting or their weight reaches `limits.weight`.
// The cache's write-backs use it: a flush writes back every Modified line of
// a node at once, and one script call per line (a system call, a Lua call and
// a reply each) halved a node's write rate under redis-benchmark.

import type { EndOfTurn } from './turn-waits.js';

/** Sends a batch; answers one result per item, in the items' order. */
export type SendBatch<T, R> = (items: readonly T[]) => Promise<readonly R[]>;

export interface BatchLimits<T> {
  /** Items per batch at most. */
  readonly items: number;
  /** A batch is sent once its items weigh this much (one item may weigh more on its own). */
  readonly weight: number;
  readonly weigh: (item: T) => number;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

export class TurnBatch<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private weight = 0;

  constructor(
    private readonly send: SendBatch<T, R>,
    private readonly limits: BatchLimits<T>,
    private readonly endOfTurn: EndOfTurn = (fn) => setImmediate(fn),
  ) {
    if (!Number.isSafeInteger(limits.items) || limits.items < 1)
      throw new RangeError('a batch must take at least one item');
  }

  /** Queues `item` for this turn's batch; settles with its result, or with the batch's error. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.waiting.length === 0) this.endOfTurn(() => this.flush());
      this.waiting.push({ item, resolve, reject });
      this.weight += this.limits.weigh(item);
      if (this.waiting.length >= this.limits.items || this.weight >= this.limits.weight) this.flush();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    this.weight = 0;
    let sent: Promise<readonly R[]>;
    try {
      sent = this.send(batch.map((w) => w.item));
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (results) => {
        if (results.length !== batch.length) {
          const err = new Error(`a batch of ${batch.length} answered ${results.length} results`);
          for (const w of batch) w.reject(err);
          return;
        }
        batch.forEach((w, i) => w.resolve(results[i]!));
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }
}

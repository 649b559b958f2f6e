// Hand-written histories for checker tests: each op with explicit times, so a
// test reads like a timeline. Indexes follow invocation order, as a recorder's would.
import type { HistoryOp } from './history-types.js';

type Draft = Omit<HistoryOp, 'index'>;

export class HistoryBuilder {
  private readonly drafts: Draft[] = [];

  ok(
    process: string,
    op: string,
    args: unknown,
    [invokedAt, completedAt]: readonly [number, number],
    value?: unknown,
  ): this {
    return this.add({
      process,
      op,
      args,
      invokedAt,
      completedAt,
      outcome: 'ok',
      ...(value === undefined ? {} : { value }),
    });
  }

  fail(
    process: string,
    op: string,
    args: unknown,
    [invokedAt, completedAt]: readonly [number, number],
    value?: unknown,
  ): this {
    return this.add({
      process,
      op,
      args,
      invokedAt,
      completedAt,
      outcome: 'fail',
      ...(value === undefined ? {} : { value }),
    });
  }

  /** The client gave up at `gaveUpAt`; the op may take effect at any time after `invokedAt`. */
  unknown(
    process: string,
    op: string,
    args: unknown,
    [invokedAt, gaveUpAt]: readonly [number, number],
    reason = 'timeout',
  ): this {
    return this.add({ process, op, args, invokedAt, completedAt: gaveUpAt, outcome: 'unknown', reason });
  }

  pending(process: string, op: string, args: unknown, invokedAt: number): this {
    return this.add({ process, op, args, invokedAt, outcome: 'pending' });
  }

  build(): HistoryOp[] {
    return this.drafts
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.invokedAt - b.d.invokedAt || a.i - b.i)
      .map(({ d }, index) => ({ index, ...d }));
  }

  private add(draft: Draft): this {
    this.drafts.push(draft);
    return this;
  }
}

import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Provider } from '@nestjs/common';
import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

/**
 * A counter series for a hot path: `add` bumps a plain number, and the series catches up when
 * the counter is read (a scrape of /metrics, `register.metrics()`). prom-client's own `inc`
 * hashes and validates the labels and allocates a result on every call, which is a few per
 * cent of a cache hit's CPU (docs/benchmarks.md, "A cheaper hit path"). A scrape shows every
 * add made before it, so the figures are the same as with `inc`.
 */
export interface Tally {
  add(n?: number): void;
}

class PendingTally<T extends string> implements Tally {
  private pending = 0;

  constructor(private readonly labels: LabelValues<T> | undefined) {}

  add(n = 1): void {
    this.pending += n;
  }

  flushInto(counter: Counter<T>): void {
    if (this.pending === 0) return;
    if (this.labels) counter.inc(this.labels, this.pending);
    else counter.inc(this.pending);
    this.pending = 0;
  }
}

/** Per counter whose scrape flushes (flushTallies ran for it), the tallies of its series. */
const tallies = new WeakMap<Counter<string>, PendingTally<string>[]>();

/** prom-client calls this before it reads the counter: every tally's count joins its series. */
function flushTallies(this: Counter<string>): void {
  const list = tallies.get(this);
  if (list) for (const t of list) t.flushInto(this);
  else tallies.set(this, []);
}

/** A counter whose hot series are counted with `tally` (its other series keep `inc`). */
export function tallyCounterProvider<T extends string>(
  config: Omit<CounterConfiguration<T>, 'collect' | 'registers'>,
): Provider {
  return makeCounterProvider({ ...config, collect: flushTallies });
}

/** A counter outside Nest (tests, tools) whose series can be counted with `tally`. */
export function tallyCounter<T extends string>(config: Omit<CounterConfiguration<T>, 'collect'>): Counter<T> {
  return new Counter<T>({ ...config, collect: flushTallies });
}

/**
 * A tally of one series of `counter`, which must come from `tallyCounterProvider` (or have
 * `collect` call the same flush): otherwise the counts would never show, so this refuses it.
 */
export function tally<T extends string>(counter: Counter<T>, labels?: LabelValues<T>): Tally {
  // prom-client keeps the configuration's collect on the metric, untyped, and
  // nestjs-prometheus wraps it: run it once (it only flushes) to see that it flushes.
  const collect: unknown = Reflect.get(counter, 'collect');
  if (!tallies.has(counter) && typeof collect === 'function') collect.call(counter);
  const list = tallies.get(counter);
  if (!list) throw new Error('tally() needs a counter made by tallyCounterProvider');
  const t = new PendingTally<T>(labels);
  list.push(t);
  return t;
}

import { setMaxListeners } from 'node:events';
import { percentile } from '../../../scripts/bench/stats.js';

// The load loop behind `dssctl bench`: `concurrency` workers each run the
// workload's iteration back to back until the duration is over (or Ctrl-C),
// timing every client call. A failed call counts under its error code.

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export interface BenchSummary {
  readonly workload: string;
  readonly description: string;
  readonly concurrency: number;
  /** Requested duration. */
  readonly durationS: number;
  /** Actual, from the first call to the last answer. */
  readonly elapsedS: number;
  /** Successful client calls. */
  readonly ops: number;
  readonly opsPerSec: number;
  readonly errors: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Of the successful calls; null when there were none. */
  readonly latencyMs: LatencySummary | null;
  readonly interrupted: boolean;
}

/** Times one client call; resolves to its result, or undefined when it failed (counted). Never rejects. */
export type Timed = <T>(call: (signal: AbortSignal) => Promise<T>) => Promise<T | undefined>;

export interface BenchProgress {
  readonly elapsedMs: number;
  readonly ops: number;
  readonly errors: number;
}

export interface BenchOptions {
  readonly workload: string;
  readonly description: string;
  readonly durationMs: number;
  readonly concurrency: number;
  /** Ctrl-C: stop early and report what was measured. */
  readonly signal?: AbortSignal;
  /** Called about every `tickMs` while running (the progress bar). */
  readonly onProgress?: (p: BenchProgress) => void;
  readonly tickMs?: number;
  readonly now?: () => number;
}

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name !== 'Error') return name;
  }
  return 'UNEXPECTED';
}

export function summarizeLatencies(latencies: number[]): LatencySummary | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

export async function runBench(
  opts: BenchOptions,
  iteration: (worker: number, i: number, timed: Timed) => Promise<void>,
): Promise<BenchSummary> {
  const now = opts.now ?? (() => performance.now());
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per call in flight
  const onAbort = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stop.abort(opts.signal.reason);

  const latencies: number[] = [];
  const errorsByCode: Record<string, number> = {};
  let errors = 0;
  const timed: Timed = async (call) => {
    const t0 = now();
    try {
      const result = await call(stop.signal);
      latencies.push(now() - t0);
      return result;
    } catch (err) {
      // A call cut short by Ctrl-C is not an error of the cluster.
      if (!opts.signal?.aborted) {
        const code = errorCode(err);
        errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
        errors++;
      }
      return undefined;
    }
  };

  const started = now();
  const deadline = started + opts.durationMs;
  const ticker = opts.onProgress
    ? setInterval(
        () => opts.onProgress!({ elapsedMs: now() - started, ops: latencies.length, errors }),
        opts.tickMs ?? 100,
      )
    : undefined;
  try {
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, worker) => {
        for (let i = 0; now() < deadline && !stop.signal.aborted; i++) await iteration(worker, i, timed);
      }),
    );
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const elapsedMs = now() - started;
  opts.onProgress?.({ elapsedMs, ops: latencies.length, errors });
  return {
    workload: opts.workload,
    description: opts.description,
    concurrency: opts.concurrency,
    durationS: opts.durationMs / 1000,
    elapsedS: Math.round(elapsedMs) / 1000,
    ops: latencies.length,
    opsPerSec: elapsedMs > 0 ? Math.round((latencies.length / elapsedMs) * 1000 * 10) / 10 : 0,
    errors,
    errorsByCode,
    latencyMs: summarizeLatencies(latencies),
    interrupted: opts.signal?.aborted === true,
  };
}

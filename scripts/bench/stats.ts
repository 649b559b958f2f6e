/** Percentile of sorted samples (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * Per-field summaries of several rounds of one measurement: the median of a
 * rate, time or percentile (a round a noisy neighbour slowed does not move
 * it), the sum of a count.
 */
export function overRounds<T>(rounds: readonly T[]): {
  median: (pick: (r: T) => number) => number;
  sum: (pick: (r: T) => number) => number;
} {
  if (rounds.length === 0) throw new Error('no rounds to summarize');
  return { median: (pick) => median(rounds.map(pick)), sum: (pick) => rounds.reduce((n, r) => n + pick(r), 0) };
}

export interface LevelResult {
  readonly concurrency: number;
  readonly ops: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `concurrency` loops of `op` for `seconds`, timing each call. */
export async function runLevel(
  concurrency: number,
  seconds: number,
  op: (client: number, i: number) => Promise<boolean>,
): Promise<LevelResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        const ok = await op(client, i).catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    ops: latencies.length,
    errors,
    seconds: elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

export function formatRow(r: LevelResult): string {
  const rate = Math.round(r.ops / r.seconds).toLocaleString('en-US');
  return `| ${r.concurrency} | ${rate} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.ops} | ${r.errors} |`;
}

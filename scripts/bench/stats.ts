/** Percentile of sorted samples (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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
export async function runLevel(concurrency: number, seconds: number, op: (client: number, i: number) => Promise<boolean>): Promise<LevelResult> {
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
  return { concurrency, ops: latencies.length, errors, seconds: elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export function formatRow(r: LevelResult): string {
  const rate = Math.round(r.ops / r.seconds).toLocaleString('en-US');
  return `| ${r.concurrency} | ${rate} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.ops} | ${r.errors} |`;
}

// WAL benchmark (a program, not a test): appends/s and fsync latency percentiles for
// batch sizes 1 and 64, plus 64 concurrent single-entry callers sharing fsyncs (group
// commit). Build with the project's tsc, then:
//   node dist/libs/raft/src/storage/wal.bench.js [entriesPerRun=2048] [payloadBytes=128] [dir]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../core/types.js';
import { FileRaftStorage } from './file-raft-storage.js';

interface Result {
  readonly label: string;
  readonly calls: number;
  readonly entries: number;
  readonly seconds: number;
  readonly fsyncs: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(
  label: string,
  baseDir: string,
  total: number,
  payload: string,
  batch: number,
  concurrency: number,
): Promise<Result> {
  const dir = await mkdtemp(join(baseDir, 'dss-wal-bench-'));
  const fsyncs: number[] = [];
  const storage = new FileRaftStorage({
    dir,
    onFsync: (s, kind) => kind === 'wal' && fsyncs.push(s),
    logger: () => undefined,
  });
  try {
    await storage.open();
    let next = 1;
    let calls = 0;
    const makeBatch = (): Entry[] =>
      Array.from({ length: batch }, () => ({ index: next++, term: 1, type: 'normal', data: payload }));
    const t0 = process.hrtime.bigint();
    while (next <= total) {
      // Entries are numbered at call time, so concurrent callers still append in order.
      const inFlight: Array<Promise<void>> = [];
      for (let c = 0; c < concurrency && next <= total; c++, calls++) inFlight.push(storage.append(makeBatch()));
      await Promise.all(inFlight);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { label, calls, entries: next - 1, seconds, fsyncs: fsyncs.sort((a, b) => a - b) };
  } finally {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 2048);
  const payloadBytes = Number(process.argv[3] ?? 128);
  const baseDir = process.argv[4] ?? tmpdir();
  const payload = 'x'.repeat(payloadBytes);
  console.log(`WAL bench: ${total} entries of ${payloadBytes} B per run, dir ${baseDir}`);
  const runs = [
    await run('batch 1, sequential', baseDir, total, payload, 1, 1),
    await run('batch 64, sequential', baseDir, total, payload, 64, 1),
    await run('batch 1 x 64 concurrent (group commit)', baseDir, total, payload, 1, 64),
  ];
  for (const r of runs) {
    const ms = (s: number) => (s * 1000).toFixed(3);
    console.log(
      `${r.label.padEnd(40)} ${(r.calls / r.seconds).toFixed(0).padStart(8)} appends/s ` +
        `${(r.entries / r.seconds).toFixed(0).padStart(9)} entries/s  fsyncs ${String(r.fsyncs.length).padStart(5)}  ` +
        `fsync p50 ${ms(percentile(r.fsyncs, 50))} ms  p99 ${ms(percentile(r.fsyncs, 99))} ms`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

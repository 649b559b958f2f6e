// A long hunt with the randomized safety checker: seeds --from .. --from+--count-1,
// spread over worker threads (one per core by default). Prints progress, every
// failing seed with its replay command, and exits 1 if any seed failed.
//   npm run hunt:raft -- --from 1 --count 200000
import { Command, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fuzzSeed } from './fuzz.js';

interface Slice {
  readonly from: number;
  readonly count: number;
  readonly stride: number;
}
type Report =
  | { readonly kind: 'progress'; readonly done: number }
  | { readonly kind: 'failure'; readonly seed: number; readonly message: string };

/** Progress is reported every this many seeds per worker. */
const REPORT_EVERY = 500;

function positive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

/** A worker runs seeds from, from+stride, ...: interleaved, so slow seeds spread over all workers. */
function runSlice({ from, count, stride }: Slice, report: (r: Report) => void): void {
  let done = 0;
  for (let seed = from; seed < from + count; seed += stride) {
    try {
      fuzzSeed(seed);
    } catch (err) {
      report({ kind: 'failure', seed, message: err instanceof Error ? err.message : String(err) });
    }
    if (++done % REPORT_EVERY === 0) report({ kind: 'progress', done: REPORT_EVERY });
  }
  report({ kind: 'progress', done: done % REPORT_EVERY });
}

async function main(): Promise<void> {
  const opts = new Command('hunt:raft')
    .description('run the Raft safety checker over a range of seeds')
    .option('--from <seed>', 'first seed', positive('--from'), 1)
    .option('--count <n>', 'number of seeds', positive('--count'), 10_000)
    .option('--workers <n>', 'worker threads', positive('--workers'), availableParallelism())
    .parse()
    .opts<{ from: number; count: number; workers: number }>();
  const workers = Math.min(opts.workers, opts.count);
  const started = performance.now();
  let done = 0;
  const failures: { seed: number; message: string }[] = [];
  console.log(`hunting seeds ${opts.from}..${opts.from + opts.count - 1} on ${workers} worker(s)`);
  await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const slice: Slice = { from: opts.from + i, count: opts.count - i, stride: workers };
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: slice });
        worker.on('message', (r: Report) => {
          if (r.kind === 'failure') {
            failures.push(r);
            console.log(`FAIL ${r.message}`);
            return;
          }
          done += r.done;
          if (done % (REPORT_EVERY * 20) === 0)
            console.log(
              `${done} seeds, ${((performance.now() - started) / 1000).toFixed(0)} s, ${failures.length} failing`,
            );
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${i} exited with ${code}`))));
      });
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${done} seeds in ${seconds.toFixed(0)} s: ${failures.length === 0 ? 'no violation' : `${failures.length} failing: ${failures.map((f) => f.seed).join(', ')}`}`,
  );
  process.exitCode = failures.length === 0 ? 0 : 1;
}

if (isMainThread) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 2;
  });
} else {
  const port = parentPort;
  if (port === null) throw new Error('a hunt worker needs its parent port');
  runSlice(workerData as Slice, (r) => port.postMessage(r));
}

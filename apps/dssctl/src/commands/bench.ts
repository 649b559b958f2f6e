import { randomUUID } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { runBench, type BenchProgress, type BenchSummary, type Timed } from '../bench-runner.js';
import type { CliClient } from '../client-port.js';
import type { ActionFactory, CommandContext, CommandResult } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { formatMs, renderTable } from '../output.js';
import { parseCount, parseDuration, parseRatio } from '../parse.js';

// `dssctl bench lock|queue|cache`: load through the client for --duration
// seconds with --concurrency workers; a progress bar on stderr (a terminal
// only, and not with --json), then ops, ops/s, errors by code and latency
// percentiles of every client call.

interface Workload {
  readonly description: string;
  /** Untimed preparation (cache: write the keys first so that reads hit). */
  readonly setup?: () => Promise<void>;
  readonly iteration: (worker: number, i: number, timed: Timed) => Promise<void>;
  /** Untimed clean-up (queue: drain what is left; cache: delete the keys). */
  readonly cleanup?: () => Promise<void>;
}

const BENCH_PREFIX = 'dssctl-bench';

export function lockWorkload(client: CliClient, resources: number, runId: string): Workload {
  return {
    description: `acquire + release (exclusive, ttl 10 s, no wait) on ${resources} resource${resources === 1 ? '' : 's'}`,
    iteration: async (worker, _i, timed) => {
      const resource = `${BENCH_PREFIX}-${worker % resources}`;
      const owner = `${BENCH_PREFIX}-${runId}-${worker}`;
      const grant = await timed((signal) =>
        client.lock.acquire({ resource, owner, ttlMs: 10_000, waitMs: 0 }, { signal }),
      );
      if (grant) await timed((signal) => client.lock.release({ resource, owner }, { signal }));
    },
  };
}

export function queueWorkload(client: CliClient, topic: string): Workload {
  return {
    description: `publish + consume + ack of 1 message on topic ${topic}`,
    iteration: async (worker, i, timed) => {
      await timed((signal) => client.queue.publish({ topic, message: { bench: true, worker, i } }, { signal }));
      const got = await timed((signal) => client.queue.consume({ topic, max: 1, waitMs: 1000 }, { signal }));
      if (got && got.length > 0)
        await timed((signal) => client.queue.ack({ topic, receipts: got.map((d) => d.receipt) }, { signal }));
    },
    cleanup: async () => {
      // Ack whatever the run left ready (bounded: a busy real topic is not ours to drain forever).
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        const left = await client.queue.consume({ topic, max: 1000, waitMs: 0 }).catch(() => []);
        if (left.length === 0) break;
        await client.queue.ack({ topic, receipts: left.map((d) => d.receipt) }).catch(() => undefined);
      }
    },
  };
}

export function cacheWorkload(
  client: CliClient,
  keys: number,
  readRatio: number,
  concurrency: number,
  random: () => number = Math.random,
): Workload {
  const key = (k: number) => `${BENCH_PREFIX}-${k}`;
  const forEachKey = async (fn: (k: string) => Promise<unknown>) => {
    for (let k = 0; k < keys; k += concurrency)
      await Promise.all(Array.from({ length: Math.min(concurrency, keys - k) }, (_, j) => fn(key(k + j))));
  };
  return {
    description: `${Math.round(readRatio * 100)}% get / ${Math.round((1 - readRatio) * 100)}% put over ${keys} key${keys === 1 ? '' : 's'}`,
    setup: () => forEachKey((k) => client.cache.put(k, { bench: true })),
    iteration: async (worker, i, timed) => {
      const k = key((worker * 7919 + i) % keys);
      if (random() < readRatio) await timed((signal) => client.cache.get(k, { signal }));
      else await timed((signal) => client.cache.put(k, { bench: true, worker, i }, { signal }));
    },
    cleanup: () => forEachKey((k) => client.cache.del(k).catch(() => false)),
  };
}

export function renderBenchSummary(s: BenchSummary): string {
  const l = s.latencyMs;
  const head = `bench ${s.workload}: ${s.description}; concurrency ${s.concurrency}, ${s.elapsedS.toFixed(1)} s${s.interrupted ? ' (interrupted)' : ''}\n`;
  const table = renderTable(
    ['ops', 'ops/s', 'errors', 'p50', 'p95', 'p99', 'max'],
    [[s.ops, s.opsPerSec.toFixed(1), s.errors, formatMs(l?.p50), formatMs(l?.p95), formatMs(l?.p99), formatMs(l?.max)]],
    { align: { 'ops/s': 'right', p50: 'right', p95: 'right', p99: 'right', max: 'right' } },
  );
  const codes = Object.entries(s.errorsByCode).sort((a, b) => b[1] - a[1]);
  return head + table + (codes.length > 0 ? `errors by code: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}\n` : '');
}

export function benchResult(s: BenchSummary): CommandResult {
  const text = renderBenchSummary(s);
  if (s.ops > 0 || s.errors === 0) return { json: s, text };
  // Nothing succeeded: exit as the most frequent error would.
  const [code] = Object.entries(s.errorsByCode).sort((a, b) => b[1] - a[1])[0]!;
  const exitCode = exitCodeFor({ code });
  return {
    json: s,
    text,
    exitCode: exitCode === EXIT.OK ? EXIT.UNEXPECTED : exitCode,
    problem: { code, message: `no operation succeeded (${s.errors} errors)` },
  };
}

function progressBar(
  ctx: CommandContext,
  workload: string,
  durationMs: number,
): ((p: BenchProgress) => void) & { stop: () => void } {
  const stream = ctx.deps.io.progressStream;
  if (!stream || ctx.json) return Object.assign(() => undefined, { stop: () => undefined });
  const bar = new SingleBar(
    {
      stream,
      format: `bench ${workload} [{bar}] {percentage}% | {secs}/{total_s} s | {ops} ops | {errors} errors`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  const total = Math.max(1, Math.round(durationMs / 100));
  bar.start(total, 0, { ops: 0, errors: 0, secs: '0.0', total_s: (durationMs / 1000).toFixed(1) });
  return Object.assign(
    (p: BenchProgress) =>
      bar.update(Math.min(total, Math.round(p.elapsedMs / 100)), {
        ops: p.ops,
        errors: p.errors,
        secs: (Math.min(p.elapsedMs, durationMs) / 1000).toFixed(1),
      }),
    {
      stop: () => bar.stop(),
    },
  );
}

async function bench(
  ctx: CommandContext,
  workload: string,
  make: (client: CliClient, o: { concurrency: number }) => Workload,
): Promise<CommandResult> {
  const o = ctx.opts as { duration: number; concurrency: number };
  const client = ctx.client();
  const w = make(client, o);
  await w.setup?.();
  const progress = progressBar(ctx, workload, o.duration);
  let summary: BenchSummary;
  try {
    summary = await runBench(
      {
        workload,
        description: w.description,
        durationMs: o.duration,
        concurrency: o.concurrency,
        signal: ctx.signal,
        onProgress: progress,
      },
      w.iteration,
    );
  } finally {
    progress.stop();
  }
  await w.cleanup?.();
  return benchResult(summary);
}

export function registerBench(program: Command, action: ActionFactory): void {
  const benchCmd = program
    .command('bench')
    .description('load the cluster through the client and report throughput and latency');
  const common = (cmd: Command) =>
    cmd
      .option(
        '--duration <seconds>',
        'how long to run (a bare number is seconds; 500ms, 2m work too)',
        (v: string) => {
          const ms = parseDuration(v, '--duration', 's');
          if (ms < 100) throw new UsageError('--duration: must be at least 100ms');
          return ms;
        },
        10_000,
      )
      .option(
        '--concurrency <n>',
        'concurrent workers, each with one request in flight',
        (v: string) => parseCount(v, '--concurrency', 1, 1024),
        8,
      );

  common(benchCmd.command('lock').description('acquire + release pairs (each call timed)'))
    .option(
      '--resources <n>',
      'distinct resources (default: one per worker, so no contention; fewer: LOCKED errors show contention)',
      (v: string) => parseCount(v, '--resources', 1),
    )
    .addHelpText('after', '\nExample:\n  dssctl bench lock --duration 10 --concurrency 16')
    .action(
      action((ctx) => {
        const runId = randomUUID().slice(0, 8);
        return bench(ctx, 'lock', (client, o) =>
          lockWorkload(client, (ctx.opts as { resources?: number }).resources ?? o.concurrency, runId),
        );
      }),
    );

  common(
    benchCmd.command('queue').description('publish + consume + ack of one message per iteration (each call timed)'),
  )
    .option('--topic <name>', `topic to use; it is drained afterwards, so never a real one`, `${BENCH_PREFIX}`)
    .addHelpText('after', '\nExample:\n  dssctl bench queue --duration 10 --concurrency 8 --json')
    .action(
      action((ctx) => bench(ctx, 'queue', (client) => queueWorkload(client, (ctx.opts as { topic: string }).topic))),
    );

  common(benchCmd.command('cache').description('gets and puts over a set of keys written first (each call timed)'))
    .option('--keys <n>', 'distinct keys', (v: string) => parseCount(v, '--keys', 1, 100_000), 100)
    .option('--read-ratio <r>', 'share of gets, 0-1 or a percentage', (v: string) => parseRatio(v, '--read-ratio'), 0.8)
    .addHelpText('after', '\nExample:\n  dssctl bench cache --duration 5 --keys 1000 --read-ratio 95%')
    .action(
      action((ctx) => {
        const o = ctx.opts as { keys: number; readRatio: number };
        return bench(ctx, 'cache', (client, c) => cacheWorkload(client, o.keys, o.readRatio, c.concurrency));
      }),
    );
}

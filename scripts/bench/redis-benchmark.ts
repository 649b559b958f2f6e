// Redis's own C load generator beside the Node client (the reference's
// redis-ceiling.mjs): redis-benchmark -t get,set,incr, 64 connections, no
// pipelining (-P 1), random keys out of the workloads' key count (-r), values
// of the workloads' size (-d), --csv; run against one DSS node's Redis-protocol
// port and against Redis. It shows what each server does when the client is
// not the bottleneck (one Node process saturates its core first).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const REDIS_BENCHMARK_INSTALL = 'apt-get install redis-tools (Debian/Ubuntu)';

export interface RedisBenchmarkOptions {
  readonly host: string;
  readonly port: number;
  readonly tests: readonly string[];
  readonly requests: number;
  readonly clients: number;
  /** -r: keys are key:000000000000 .. key:<keyspace - 1> (and counter:... for INCR). */
  readonly keyspace: number;
  /** -d: SET's value size. */
  readonly valueBytes: number;
}

export function redisBenchmarkArgs(o: RedisBenchmarkOptions): string[] {
  return [
    '-h',
    o.host,
    '-p',
    String(o.port),
    '-t',
    o.tests.join(','),
    '-n',
    String(o.requests),
    '-c',
    String(o.clients),
    '-P',
    '1',
    '-r',
    String(o.keyspace),
    '-d',
    String(o.valueBytes),
    '--csv',
  ];
}

/** One test's line of redis-benchmark's --csv output. */
export interface RedisBenchmarkResult {
  /** As redis-benchmark names it: SET, GET, INCR, ... */
  readonly test: string;
  readonly rps: number;
  /** Absent from the CSV of redis-benchmark before 6.2 (test and rps only). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** One CSV line's fields, quotes removed (redis-benchmark's fields hold no commas or quotes). */
const csvFields = (line: string): string[] => line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));

/**
 * redis-benchmark's --csv output: a header ("test","rps","avg_latency_ms",
 * ..., "p50_latency_ms", ..., "p99_latency_ms", ...) then one line per test
 * (Redis 6.2 and later), or, from older versions, "TEST","rps" lines without a
 * header. Lines that are not a test's figures (warnings, blank) are skipped.
 */
export function parseRedisBenchmarkCsv(csv: string): RedisBenchmarkResult[] {
  const rows = csv
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('"'))
    .map(csvFields);
  const header = rows[0]?.[0]?.toLowerCase() === 'test' ? rows[0].map((h) => h.toLowerCase()) : ['test', 'rps'];
  const column = (name: string) => header.indexOf(name);
  const at = (row: string[], name: string): number | undefined => {
    const i = column(name);
    const n = i < 0 || row[i] === undefined || row[i] === '' ? NaN : Number(row[i]);
    return Number.isFinite(n) ? n : undefined;
  };
  const results: RedisBenchmarkResult[] = [];
  for (const row of rows) {
    if (row[0]?.toLowerCase() === 'test') continue;
    const rps = at(row, 'rps');
    if (!row[0] || rps === undefined) continue;
    const p50Ms = at(row, 'p50_latency_ms');
    const p99Ms = at(row, 'p99_latency_ms');
    results.push({
      test: row[0],
      rps,
      ...(p50Ms === undefined ? {} : { p50Ms }),
      ...(p99Ms === undefined ? {} : { p99Ms }),
    });
  }
  return results;
}

/** The keys a run leaves behind (-r keyspace: SET/GET's key:NNNNNNNNNNNN and INCR's counter:NNNNNNNNNNNN). */
export function redisBenchmarkKeys(keyspace: number): string[] {
  const pad = (i: number) => String(i).padStart(12, '0');
  return Array.from({ length: keyspace }, (_, i) => [`key:${pad(i)}`, `counter:${pad(i)}`]).flat();
}

/** `redis-benchmark 7.0.15`, or undefined when it is not installed. */
export async function redisBenchmarkVersion(): Promise<string | undefined> {
  return promisify(execFile)('redis-benchmark', ['--version'], { timeout: 5000 }).then(
    (r) => r.stdout.trim().split(/\s+/).slice(0, 2).join(' '),
    () => undefined,
  );
}

export async function runRedisBenchmark(o: RedisBenchmarkOptions, timeoutMs: number): Promise<RedisBenchmarkResult[]> {
  const { stdout } = await promisify(execFile)('redis-benchmark', redisBenchmarkArgs(o), {
    timeout: timeoutMs,
    maxBuffer: 1 << 20,
  });
  const results = parseRedisBenchmarkCsv(stdout);
  if (results.length === 0)
    throw new Error(`redis-benchmark printed no figures: ${stdout.trim().slice(0, 200) || '(nothing)'}`);
  return results;
}

// Cache benchmark (a program, not a test): operations/s and latency p50/p99 of
// the cache role's HTTP API, with plain Redis GET/SET through ioredis beside it
// in the same run and at the same concurrency. Start the local cluster first
// (npm start), then `npm run bench:cache`. Settings (environment):
//   DSS_CACHE_URLS         cache nodes, comma-separated (default the local 8021-8023)
//   DSS_REDIS_URL          Redis for the baseline rows (default redis://127.0.0.1:6379)
//   DSS_BENCH_CONCURRENCY  concurrent clients (default 64)
//   DSS_BENCH_SECONDS      seconds per row (default 10)
//   DSS_BENCH_MISS_KEYS    size of the GET-miss key pool (default: sized from the GET-hit row
//                          and the default cache size; raise it for nodes with a larger cache)
//
// Rows:
// - HTTP floor: GET /health on the same nodes, the cost of the HTTP round trip alone.
// - GET hit: client c is pinned to node c mod N and first writes then reads its
//   own 16 keys there, so every measured GET finds the line locally (M).
// - GET miss: a pool of fresh keys is written on node 1 and flushed to Redis
//   there (POST /cache/flush); then every measured GET takes the next unused
//   key from the pool, oldest first, and asks another node, which has never
//   held it, so each GET is a miss on the node that serves it. Where the data
//   comes from depends on whether node 1 still holds the line: from node 1
//   (peer, answer state S) while it does, from Redis (state E) once node 1's
//   LRU has evicted it. The pool is the reads this row can make (1.5 x the hit
//   row's count) plus the default cache size (maxEntries), so with default
//   settings node 1 has evicted every key read and each miss goes to Redis.
//   The notes under the table give the actual split.
// - PUT: client c rewrites its own 16 keys on its node; warmed first, so each
//   write finds the line already M locally.
// - PUT contended: every client, on all nodes, writes the same 16 keys, so
//   ownership of the lines keeps migrating between nodes.
// - Redis GET / SET: one ioredis connection per concurrent worker (no shared
//   connection, so no implicit pipelining: one command in flight per
//   connection, as with one HTTP request in flight per client).
//
// HTTP: an undici Pool per node (http.ts), keep-alive, one request in flight
// per connection, as many connections as there are requests in flight.
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CACHE_DEFAULTS } from '../../libs/config/src/cluster-description.js';
import { httpRequest } from './http.js';
import { formatRow, runLevel, type LevelResult } from './stats.js';

function fail(message: string): never {
  console.error(`cache-bench: ${message}`);
  process.exit(1);
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) fail(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

const urls = (process.env.DSS_CACHE_URLS ?? 'http://127.0.0.1:8021,http://127.0.0.1:8022,http://127.0.0.1:8023')
  .split(',')
  .map((u) => u.trim().replace(/\/+$/, ''))
  .filter((u) => u !== '');
const redisUrl = process.env.DSS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const concurrency = positiveInt('DSS_BENCH_CONCURRENCY', 64);
const seconds = positiveInt('DSS_BENCH_SECONDS', 10);
const missKeysSetting = process.env.DSS_BENCH_MISS_KEYS ? positiveInt('DSS_BENCH_MISS_KEYS', 1) : undefined;
if (urls.length === 0) fail('DSS_CACHE_URLS names no node');

const KEYS_PER_CLIENT = 16;
const HOT_KEYS = 16;
const PAYLOAD = 'x'.repeat(100);
const PUT_BODY = JSON.stringify({ value: PAYLOAD });
// A fresh prefix per run: lines and Redis entries of an earlier run never turn a miss into a hit.
const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const hitKey = (c: number, j: number): string => `bench:cache:${run}:hit:${c}:${j}`;
const missKey = (k: number): string => `bench:cache:${run}:miss:${k}`;
const putKey = (c: number, j: number): string => `bench:cache:${run}:put:${c}:${j}`;
const hotKey = (j: number): string => `bench:cache:${run}:hot:${j}`;
const redisKey = (c: number, j: number): string => `bench:redis:${run}:${c}:${j}`;
const nodeOf = (c: number): string => urls[c % urls.length]!;

interface CacheAnswer {
  readonly state?: unknown;
  /** Not in the v1 contract; used when the node reports it (local | peer | memory). */
  readonly source?: unknown;
}

interface Reply {
  readonly status: number;
  readonly answer?: CacheAnswer;
}

const cacheUrl = (node: string, key: string): string => `${node}/cache/${encodeURIComponent(key)}`;

async function request(method: 'GET' | 'PUT' | 'POST', url: string, body?: string): Promise<Reply> {
  const res = await httpRequest(method, url, body);
  if (res.status !== 200) return { status: res.status };
  return { status: res.status, answer: JSON.parse(res.text) as CacheAnswer };
}

const cacheGet = (node: string, key: string): Promise<Reply> => request('GET', cacheUrl(node, key));
const cachePut = (node: string, key: string): Promise<Reply> => request('PUT', cacheUrl(node, key), PUT_BODY);

/** Counts of what the answers said, per row, for the notes under the table. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }
  toString(): string {
    return [...this.counts].map(([label, n]) => `${label} ${n}`).join(', ') || 'none';
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code;
    if (cause && typeof cause.message === 'string') return cause.message;
    return err.message;
  }
  return String(err);
}

/** Stops here, with the reason, unless every cache node answers GET /ready with 200 and Redis answers PING. */
async function preflight(): Promise<void> {
  const problems = await Promise.all(
    urls.map(async (node) => {
      try {
        const res = await httpRequest('GET', `${node}/ready`, undefined, 3000);
        return res.status === 200 ? undefined : `${node}/ready answered ${res.status}`;
      } catch (err) {
        return `${node}/ready: ${describeError(err)}`;
      }
    }),
  );
  const notReady = problems.filter((p): p is string => p !== undefined);
  if (notReady.length > 0) {
    fail(
      `the cache role is not ready on every node:\n  ${notReady.join('\n  ')}\n` +
        'Start the local cluster first (npm start), or point DSS_CACHE_URLS at running cache nodes.',
    );
  }
  const probe = redisClient();
  let lastError: unknown;
  probe.on('error', (err: unknown) => (lastError = err)); // says why, where connect() only says "Connection is closed"
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    fail(`Redis at ${redisUrl} does not answer (${describeError(lastError ?? err)}); start it or set DSS_REDIS_URL`);
  } finally {
    probe.disconnect();
  }
}

function redisClient(): Redis {
  // No retries and no offline queue: a lost connection shows up as errors in the row instead of stalls.
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined); // failures surface through the commands; the event would only add noise
  return client;
}

/** Runs `work` on `count` items with `concurrency` workers; returns how many failed. */
async function forEachConcurrently(count: number, work: (k: number) => Promise<boolean>, progress?: string): Promise<number> {
  let next = 0;
  let failed = 0;
  let lastReport = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let k = next++; k < count; k = next++) {
        if (!(await work(k).catch(() => false))) failed++;
        if (progress && performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          console.error(`  ${progress}: ${k + 1} / ${count}`);
        }
      }
    }),
  );
  return failed;
}

const rows: string[] = [];
const notes: string[] = [];

function report(label: string, r: LevelResult): void {
  // formatRow's first cell is the concurrency; this table names the operation there instead.
  const line = formatRow(r);
  rows.push(`| ${label}${line.slice(line.indexOf(' |'))}`);
  console.error(`  ${rows.at(-1)}`);
}

async function getHit(): Promise<number> {
  console.error(`GET hit: warming ${KEYS_PER_CLIENT} keys per client on its node`);
  const warmFailed = await forEachConcurrently(concurrency * KEYS_PER_CLIENT, async (k) => {
    const c = Math.floor(k / KEYS_PER_CLIENT);
    const key = hitKey(c, k % KEYS_PER_CLIENT);
    return (await cachePut(nodeOf(c), key)).status === 200 && (await cacheGet(nodeOf(c), key)).status === 200;
  });
  if (warmFailed > 0) notes.push(`GET hit: ${warmFailed} keys failed to warm; their reads count as errors or misses.`);
  const states = new Tally();
  const r = await runLevel(concurrency, seconds, async (c, i) => {
    const reply = await cacheGet(nodeOf(c), hitKey(c, i % KEYS_PER_CLIENT));
    if (reply.status !== 200) return false;
    states.add(`state ${String(reply.answer?.state)}${reply.answer?.source === undefined ? '' : ` (${String(reply.answer.source)})`}`);
    return true;
  });
  report('cache GET hit', r);
  notes.push(`GET hit answers (expected M/E/S, served locally): ${states.toString()}.`);
  return r.ops;
}

async function getMiss(hitOps: number): Promise<void> {
  if (urls.length < 2) {
    notes.push('GET miss: skipped, it needs at least two cache nodes (one writes the keys, the others read them).');
    return;
  }
  const [writer, ...readers] = urls as [string, ...string[]];
  // A miss costs more than a local hit, so the hit row's count bounds the reads this row can make;
  // the writer's LRU keeps the newest maxEntries keys, and reading starts from the oldest.
  const poolSize = missKeysSetting ?? Math.ceil(hitOps * 1.5) + concurrency + CACHE_DEFAULTS.maxEntries;
  console.error(`GET miss: writing ${poolSize} keys on ${writer}, then flushing them to Redis`);
  const writeFailed = await forEachConcurrently(poolSize, async (k) => (await cachePut(writer, missKey(k))).status === 200, 'written');
  if (writeFailed > 0) notes.push(`GET miss: ${writeFailed} of ${poolSize} pool keys failed to write; reading them counts as errors.`);
  const flush = await request('POST', `${writer}/cache/flush`);
  if (flush.status !== 200) fail(`POST ${writer}/cache/flush answered ${flush.status}`);
  const flushed = (flush.answer as { flushed?: unknown } | undefined)?.flushed;

  const sources = new Tally();
  let cursor = 0;
  let exhaustedAt: number | undefined;
  let idleWorkers = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const r = await runLevel(concurrency, seconds, async (c) => {
    const k = cursor++;
    if (k >= poolSize) {
      // Out of fresh keys: park this worker until the row ends rather than read a key twice (a hit).
      exhaustedAt ??= performance.now();
      idleWorkers++;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
      return false;
    }
    const reply = await cacheGet(readers[c % readers.length]!, missKey(k));
    if (reply.status !== 200) return false;
    const { state, source } = reply.answer ?? {};
    // Without a `source` field, E means nobody else held the line (read from Redis), S that a peer did.
    const from = typeof source === 'string' ? source : state === 'E' ? 'memory' : state === 'S' ? 'peer' : `state ${String(state)}`;
    sources.add(from);
    return true;
  });
  // Rate over the time the pool lasted; the parked workers are not errors.
  const result = exhaustedAt === undefined ? r : { ...r, errors: r.errors - idleWorkers, seconds: (exhaustedAt - started) / 1000 };
  report('cache GET miss', result);
  notes.push(
    `GET miss: ${poolSize} keys written on ${writer} and flushed there (flushed: ${String(flushed)}), each read once from ${readers.join(' / ')}; ` +
      `data from: ${sources.toString()} (memory = Redis, peer = ${writer} still held the line).`,
  );
  if (exhaustedAt !== undefined) {
    notes.push(`GET miss: the key pool ran out after ${((exhaustedAt - started) / 1000).toFixed(1)} s; the rate covers that time only. Rerun with a larger DSS_BENCH_MISS_KEYS.`);
  }
}

/** The same HTTP round trip with no cache work behind it (GET /health): what any cache row pays before the cache does anything. */
async function httpFloor(): Promise<void> {
  report('HTTP floor: GET /health', await runLevel(concurrency, seconds, async (c) => (await request('GET', `${nodeOf(c)}/health`)).status === 200));
}

async function putOwn(): Promise<void> {
  const warmFailed = await forEachConcurrently(concurrency * KEYS_PER_CLIENT, async (k) => {
    const c = Math.floor(k / KEYS_PER_CLIENT);
    return (await cachePut(nodeOf(c), putKey(c, k % KEYS_PER_CLIENT))).status === 200;
  });
  if (warmFailed > 0) notes.push(`PUT: ${warmFailed} keys failed to warm.`);
  report('cache PUT', await runLevel(concurrency, seconds, async (c, i) => (await cachePut(nodeOf(c), putKey(c, i % KEYS_PER_CLIENT))).status === 200));
}

async function putContended(): Promise<void> {
  report(
    `cache PUT contended (${HOT_KEYS} keys)`,
    await runLevel(concurrency, seconds, async (c, i) => (await cachePut(nodeOf(c), hotKey((c + i) % HOT_KEYS))).status === 200),
  );
}

async function redisBaseline(): Promise<void> {
  const clients = Array.from({ length: concurrency }, () => redisClient());
  try {
    await Promise.all(clients.map((client) => client.connect()));
    const pipeline = clients[0]!.pipeline();
    for (let c = 0; c < concurrency; c++) for (let j = 0; j < KEYS_PER_CLIENT; j++) pipeline.set(redisKey(c, j), PAYLOAD);
    await pipeline.exec();
    report('Redis GET', await runLevel(concurrency, seconds, async (c, i) => (await clients[c]!.get(redisKey(c, i % KEYS_PER_CLIENT))) === PAYLOAD));
    report('Redis SET', await runLevel(concurrency, seconds, async (c, i) => (await clients[c]!.set(redisKey(c, i % KEYS_PER_CLIENT), PAYLOAD)) === 'OK'));
    const cleanup = clients[0]!.pipeline();
    for (let c = 0; c < concurrency; c++) for (let j = 0; j < KEYS_PER_CLIENT; j++) cleanup.del(redisKey(c, j));
    await cleanup.exec();
  } finally {
    for (const client of clients) client.disconnect();
  }
}

async function main(): Promise<void> {
  await preflight();
  const cpus = os.cpus();
  const settings = `DSS_CACHE_URLS=${urls.join(',')} DSS_REDIS_URL=${redisUrl} DSS_BENCH_CONCURRENCY=${concurrency} DSS_BENCH_SECONDS=${seconds}`;
  const command = `${settings}${missKeysSetting === undefined ? '' : ` DSS_BENCH_MISS_KEYS=${missKeysSetting}`} node ${path.relative(process.cwd(), process.argv[1] ?? 'cache-bench.js')}`;
  console.error(`cache-bench: run ${run}, ${concurrency} clients, ${seconds} s per row`);

  await httpFloor();
  const hitOps = await getHit();
  await getMiss(hitOps);
  await putOwn();
  await putContended();
  await redisBaseline();

  console.log(`Cache benchmark: ${concurrency} concurrent clients, ${seconds} s per row, ${PAYLOAD.length}-byte string values`);
  console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.platform()} ${os.release()}, Node ${process.version}`);
  console.log(`command: ${command}`);
  console.log(`cache nodes: ${urls.join(' ')} (client c pinned to node c mod ${urls.length}; undici Pool, keep-alive); Redis: ${redisUrl} (one ioredis connection per worker)`);
  console.log('');
  console.log('| operation | ops/s | p50 | p99 | ops | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log('');
  for (const note of notes) console.log(`- ${note}`);
  console.log(`- errors: answers other than 200 (no 404 is expected: every key read was written first), failed connections, or Redis replies other than the value / OK.`);
  console.log(`- keys: bench:cache:${run}:* are left in the cache (and Redis behind it); bench:redis:${run}:* are deleted.`);
}

await main();
process.exit(0);

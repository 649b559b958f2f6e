// Cache, DSS beside plain Redis in the same run (a program, not a test), over
// the Redis protocol on both sides with the same client, the method of the
// reference scripts (redis-get-bench.mjs, redis-ceiling.mjs): ioredis, 64
// connections, one command in flight per connection, no auto-pipelining; DSS's
// connections spread round-robin over the cache nodes' Redis-protocol ports
// (connection i on node i mod N), Redis' all on one server. Workloads
// (cache-load.ts), each after preloading 10,000 keys of 100 bytes and reading
// every key once through each server (warmReads): mix = 90% GET / 10% SET of
// random keys, get = GET hits only. Then Redis's own C client,
// redis-benchmark -t get,set,incr (64 connections, -P 1), against one DSS node
// and against Redis. The Redis side is a redis-server this program starts with
// the reference's redis.sh settings (127.0.0.1:6390, AOF everysec), unless
// --redis names one. Prints both sides, the ratio, p50/p99, errors, the client's
// own CPU and the machine; writes the figures (JSON) and a chart (SVG) under
// .dss/bench/. With --rounds N each workload runs N times per system, taking
// turns (which goes first alternates); the table shows medians.
//   npm start; npm run bench:cache -- [--duration 10] [--warmup 3] [--rounds 1] [--workloads mix,get]
//     [--only dss|redis] [--connections 64] [--keys 10000] [--value-bytes 100] [--ports 7021,7022,7023]
//     [--redis host:port] [--requests 100000] [--no-redis-benchmark] [--no-warm-reads] [--svg docs/img/bench-cache.svg]
import { Command, Option } from 'commander';
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { LOCAL_NODE_COUNT, ROLE_BASE_PORTS } from '@dss/config/pure';
import { portOffset } from '../local-cluster/paths.js';
import { cacheChartSpec, type SystemCacheRuns } from './cache-chart.js';
import {
  CACHE_WORKLOADS,
  cacheLoad,
  chunks,
  cacheValue,
  keyChunks,
  medianOfRounds,
  type CacheRun,
  type CacheWorkloadId,
  warmReads,
} from './cache-load.js';
import { CACHE_LEGEND, cacheTableHeader, cacheTableRow, redisBenchmarkTable } from './cache-table.js';
import { hostPort, listOf, positiveInt } from './cli-options.js';
import { machineLine, redisVersion } from './machine.js';
import {
  REDIS_BENCHMARK_INSTALL,
  redisBenchmarkKeys,
  redisBenchmarkVersion,
  runRedisBenchmark,
  type RedisBenchmarkOptions,
  type RedisBenchmarkResult,
} from './redis-benchmark.js';
import { answersPing, startRedisServer, type RedisServer } from './redis-server.js';
import { writeSvgChart } from './svg-chart.js';

type CacheSystem = 'dss' | 'redis';

interface Options {
  duration: number;
  warmup: number;
  rounds: number;
  workloads: CacheWorkloadId[];
  only?: CacheSystem;
  connections: number;
  keys: number;
  valueBytes: number;
  ports?: number[];
  redis?: { host: string; port: number };
  requests: number;
  redisBenchmark: boolean;
  warmReads: boolean;
  svg?: string;
}

/** The cache role's Redis-protocol port of local node 1 (7021); nodes 2 and 3 follow. */
const CACHE_RESP_BASE_PORT = ROLE_BASE_PORTS.cache.resp;
const DSS_HOST = '127.0.0.1';
const IOREDIS_VERSION = (createRequire(import.meta.url)('ioredis/package.json') as { version: string }).version;
/** redis-benchmark's tests, in the order it runs them. */
const RB_TESTS = ['set', 'get', 'incr'];
const NAMES: Record<CacheSystem, string> = { dss: 'DSS', redis: 'Redis' };

function parseOptions(): Options {
  return new Command('bench:cache')
    .description('DSS cache beside plain Redis over the Redis protocol, same client, same run, same workloads')
    .option('--duration <s>', 'measured seconds per run', positiveInt, 10)
    .option('--warmup <s>', 'unmeasured seconds at the start of each run', positiveInt, 3)
    .option('--rounds <n>', 'runs of each workload per system, taking turns; the table shows medians', positiveInt, 1)
    .addOption(
      new Option('--workloads <list>', 'workloads to run, of mix (90% GET / 10% SET), get (GET hits only)')
        .argParser(listOf(CACHE_WORKLOADS.map((w) => w.id)))
        .default(
          CACHE_WORKLOADS.map((w) => w.id),
          'mix,get',
        ),
    )
    .addOption(new Option('--only <system>', 'run one side only').choices(['dss', 'redis']))
    .option('--connections <n>', 'ioredis connections, one command in flight on each', positiveInt, 64)
    .option('--keys <n>', 'keys preloaded and then read and written at random', positiveInt, 10_000)
    .option('--value-bytes <n>', 'size of every value', positiveInt, 100)
    .option(
      '--ports <list>',
      `DSS cache nodes' Redis-protocol ports on ${DSS_HOST} (default ${CACHE_RESP_BASE_PORT}-${CACHE_RESP_BASE_PORT + LOCAL_NODE_COUNT - 1} + DSS_PORT_OFFSET)`,
      (v) => v.split(',').map(positiveInt),
    )
    .option('--redis <host:port>', 'benchmark this Redis instead of starting redis-server on 127.0.0.1:6390', hostPort)
    .option('--requests <n>', "redis-benchmark's requests per test (-n)", positiveInt, 100_000)
    .option('--no-redis-benchmark', 'skip the redis-benchmark part')
    .option(
      '--no-warm-reads',
      "skip reading every key through each server before a run (the reference script's method: DSS's first reads then fall in the measured window)",
    )
    .option('--svg <file>', 'also write the chart here (docs/img/bench-cache.svg for the docs)')
    .parse()
    .opts<Options>();
}

interface Target {
  readonly system: CacheSystem;
  readonly host: string;
  readonly ports: readonly number[];
}

const where = (t: Target) => `${t.host}:${t.ports.join(',')}`;

/** A connection as the reference opens them: no auto-pipelining, one retry per command. */
function connection(host: string, port: number): Redis {
  const c = new Redis({ host, port, enableAutoPipelining: false, lazyConnect: true, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined); // failures surface through the commands; the event would only add noise
  return c;
}

/** Deletes `keys` in chunks; false when the server refused (a DSS without DEL, say). */
async function deleteKeys(c: Redis, chunks: readonly string[][]): Promise<boolean> {
  try {
    for (const chunk of chunks) await c.del(...chunk);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const systems: CacheSystem[] = opts.only ? [opts.only] : ['dss', 'redis'];
  const targets = new Map<CacheSystem, Target>();
  if (systems.includes('dss')) {
    const ports =
      opts.ports ?? Array.from({ length: LOCAL_NODE_COUNT }, (_, i) => CACHE_RESP_BASE_PORT + portOffset() + i);
    const silent = (
      await Promise.all(ports.map(async (port) => ({ port, answer: await answersPing(DSS_HOST, port) })))
    ).filter((p) => !p.answer.ok);
    if (silent.length > 0) {
      const why = silent.map((p) => `${DSS_HOST}:${p.port} (${p.answer.ok ? '' : p.answer.why})`).join(', ');
      throw new Error(
        `DSS's cache does not answer PING on its Redis-protocol port${silent.length > 1 ? 's' : ''} ${why}: start the local cluster first (npm start; the ports follow DSS_PORT_OFFSET), pass the ports with --ports, or run --only redis`,
      );
    }
    targets.set('dss', { system: 'dss', host: DSS_HOST, ports });
  }
  let server: RedisServer | undefined;
  const stopServer = async () => {
    const s = server;
    server = undefined;
    await s?.stop();
  };
  process.once('SIGINT', () => void stopServer().finally(() => process.exit(130)));
  try {
    if (systems.includes('redis')) {
      if (opts.redis) {
        const answer = await answersPing(opts.redis.host, opts.redis.port);
        if (!answer.ok)
          throw new Error(`Redis does not answer PING at ${opts.redis.host}:${opts.redis.port} (${answer.why})`);
        targets.set('redis', { system: 'redis', host: opts.redis.host, ports: [opts.redis.port] });
      } else {
        server = await startRedisServer();
        targets.set('redis', { system: 'redis', host: server.host, ports: [server.port] });
      }
    }
    await bench(opts, systems, targets, server !== undefined);
  } finally {
    await stopServer();
  }
}

async function bench(
  opts: Options,
  systems: CacheSystem[],
  targets: Map<CacheSystem, Target>,
  ownRedis: boolean,
): Promise<void> {
  const redisTarget = targets.get('redis');
  let version: string | null = null;
  if (redisTarget) {
    const c = connection(redisTarget.host, redisTarget.ports[0]!);
    version = await redisVersion(c).catch(() => null);
    c.disconnect();
  }
  const rbVersion = opts.redisBenchmark ? await redisBenchmarkVersion() : undefined;
  const about = machineLine(version, `ioredis ${IOREDIS_VERSION}`, rbVersion);
  const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const prefix = `bench:cache:${run}:`;
  const value = cacheValue(opts.valueBytes);
  const dssTarget = targets.get('dss');

  const sides = [
    dssTarget &&
      `DSS over ${dssTarget.ports.length} nodes' Redis-protocol ports ${where(dssTarget)} (connection i on node i mod ${dssTarget.ports.length})`,
    redisTarget &&
      `Redis ${where(redisTarget)}${ownRedis ? ' (redis-server started for this run: no RDB, AOF everysec)' : ''}`,
  ].filter(Boolean);
  const each = opts.rounds > 1 ? `; ${opts.rounds} rounds per workload taking turns` : '';
  console.log(
    `cache: GET/SET of ${opts.valueBytes}-byte values over ${opts.keys.toLocaleString('en-US')} preloaded keys${opts.warmReads ? ' (each read once through every server before the run)' : ' (no warm reads)'}, ${opts.connections} ioredis connections (one command in flight each, no auto-pipelining); ${sides.join('; ')}; ${opts.duration} s measured after ${opts.warmup} s warm-up per run${each}`,
  );
  console.log(`machine: ${about}`);

  // One run: preload the keys (one pipeline per 1,000, through the first port), connect, read every
  // key once through each port, load, disconnect.
  const runOnce = async (t: Target, workload: CacheWorkloadId, getRatio: number, round: number): Promise<CacheRun> => {
    const setup = connection(t.host, t.ports[0]!);
    const conns = Array.from({ length: opts.connections }, (_, i) => connection(t.host, t.ports[i % t.ports.length]!));
    try {
      await setup.connect();
      for (const chunk of keyChunks(prefix, opts.keys)) {
        const p = setup.pipeline();
        for (const key of chunk) p.set(key, value);
        const replies = (await p.exec()) ?? [];
        const failed = replies.find(([err]) => err);
        if (failed) throw new Error(`preloading ${NAMES[t.system]}'s keys failed: ${failed[0]!.message}`);
      }
      await Promise.all(conns.map((c) => c.connect()));
      // Every key read once through each server (conns[i] is on port i), so the run measures
      // a warm cache, not each node's first reads (warmReads explains why).
      const cold = opts.warmReads ? await warmReads(conns.slice(0, t.ports.length), prefix, opts.keys) : 0;
      if (cold > 0) throw new Error(`${NAMES[t.system]} answered nil to ${cold} preloaded keys in the warm pass`);
      const r = await cacheLoad(workload, conns, {
        seconds: opts.duration,
        warmupSeconds: opts.warmup,
        keys: opts.keys,
        value,
        prefix,
        getRatio,
      });
      const of = opts.rounds > 1 ? ` round ${round + 1}/${opts.rounds}` : '';
      const errs = r.errors > 0 ? `, ${r.errors} errors (${r.errorSamples[0]})` : '';
      console.error(
        `${workload} ${t.system}${of}: ${Math.round(r.opsPerSecond)} ops/s, p50 ${r.p50Ms.toFixed(2)} / p99 ${r.p99Ms.toFixed(2)} ms, client CPU ${Math.round(r.clientCpuPct)}%${errs}`,
      );
      return r;
    } finally {
      await Promise.all([setup, ...conns].map((c) => c.quit().catch(() => c.disconnect())));
    }
  };

  const rounds: Record<CacheSystem, Map<CacheWorkloadId, CacheRun[]>> = { dss: new Map(), redis: new Map() };
  for (const w of CACHE_WORKLOADS.filter((x) => opts.workloads.includes(x.id))) {
    for (let r = 0; r < opts.rounds; r++) {
      // Taking turns, the first system alternating: a slow spell of the machine hits both.
      const order = r % 2 === 0 ? systems : [...systems].reverse();
      for (const system of order) {
        const list = rounds[system].get(w.id) ?? [];
        list.push(await runOnce(targets.get(system)!, w.id, w.getRatio, r));
        rounds[system].set(w.id, list);
      }
    }
  }

  // redis-benchmark: one DSS node (its first port) and Redis, the same arguments.
  const rb: Partial<Record<CacheSystem, RedisBenchmarkResult[]>> = {};
  const rbNotes: string[] = [];
  const rbOptions = (t: Target, test: string): RedisBenchmarkOptions => ({
    host: t.host,
    port: t.ports[0]!,
    tests: [test],
    requests: opts.requests,
    clients: opts.connections,
    keyspace: opts.keys,
    valueBytes: opts.valueBytes,
  });
  if (!opts.redisBenchmark) rbNotes.push('redis-benchmark: skipped (--no-redis-benchmark)');
  else if (!rbVersion)
    rbNotes.push(`redis-benchmark: not installed, so that part is skipped; for it: ${REDIS_BENCHMARK_INSTALL}`);
  else {
    // One invocation per test, SET first as redis-benchmark orders them (so GETs hit): a command
    // one side does not serve loses that test only.
    for (const system of systems) {
      const t = targets.get(system)!;
      for (const test of RB_TESTS) {
        try {
          const results = await runRedisBenchmark(rbOptions(t, test), 120_000);
          (rb[system] ??= []).push(...results);
          console.error(
            `redis-benchmark ${test} ${system}: ${results.map((x) => `${Math.round(x.rps)}/s`).join(', ')}`,
          );
        } catch (err) {
          rbNotes.push(
            `redis-benchmark -t ${test} against ${NAMES[system]} ${t.host}:${t.ports[0]} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
          );
        }
      }
    }
  }

  // Clean up: this run's keys, and redis-benchmark's (key:NNNNNNNNNNNN, counter:NNNNNNNNNNNN) where they are not thrown away with the server.
  const leftBehind: string[] = [];
  for (const system of systems) {
    if (system === 'redis' && ownRedis) continue;
    const t = targets.get(system)!;
    const c = connection(t.host, t.ports[0]!);
    const keys = [...keyChunks(prefix, opts.keys), ...(rb[system] ? chunks(redisBenchmarkKeys(opts.keys)) : [])];
    if (!(await deleteKeys(c, keys))) leftBehind.push(`${NAMES[system]} (DEL failed)`);
    await c.quit().catch(() => c.disconnect());
  }

  report(opts, systems, rounds, rb, rbNotes, leftBehind, prefix, targets);
  await writeFigures(opts, systems, rounds, rb, about, version, targets);
}

type Rounds = Record<CacheSystem, Map<CacheWorkloadId, CacheRun[]>>;

/** The tables on stdout. */
function report(
  opts: Options,
  systems: CacheSystem[],
  rounds: Rounds,
  rb: Partial<Record<CacheSystem, RedisBenchmarkResult[]>>,
  rbNotes: string[],
  leftBehind: string[],
  prefix: string,
  targets: Map<CacheSystem, Target>,
): void {
  const perRound = opts.rounds > 1 && systems.length === 2;
  console.log('');
  if (opts.rounds > 1)
    console.log(`medians of ${opts.rounds} rounds${perRound ? "; last column: each round's ratio" : ''}`);
  console.log(CACHE_LEGEND);
  for (const line of cacheTableHeader(perRound)) console.log(line);
  for (const w of CACHE_WORKLOADS.filter((x) => opts.workloads.includes(x.id))) {
    const d = rounds.dss.get(w.id);
    const r = rounds.redis.get(w.id);
    console.log(
      cacheTableRow(
        w.label,
        d && medianOfRounds(d),
        r && medianOfRounds(r),
        perRound && d && r ? { dss: d, redis: r } : undefined,
      ),
    );
  }
  const samples = systems.flatMap((s) =>
    [...rounds[s].values()].flat().flatMap((r) => r.errorSamples.map((e) => `${NAMES[s]}: ${e}`)),
  );
  if (samples.length > 0) console.log(`error samples: ${[...new Set(samples)].slice(0, 5).join('; ')}`);
  if (rb.dss || rb.redis) {
    const dss = targets.get('dss');
    const on = [
      dss && `one DSS node, ${dss.host}:${dss.ports[0]}`,
      targets.get('redis') && `Redis ${where(targets.get('redis')!)}`,
    ]
      .filter(Boolean)
      .join(', against ');
    console.log('');
    console.log(
      `redis-benchmark -t set / get / incr (one run each) -n ${opts.requests} -c ${opts.connections} -P 1 -r ${opts.keys} -d ${opts.valueBytes} --csv, against ${on} (Redis's own C client: the servers' rate when the client is not the limit):`,
    );
    for (const line of redisBenchmarkTable(rb.dss, rb.redis)) console.log(line);
  }
  for (const note of rbNotes) console.log(note);
  if (leftBehind.length > 0)
    console.log(`keys ${prefix}* (and redis-benchmark's key:*, counter:*) left in ${leftBehind.join(', ')}`);
}

/** The figures (JSON) and the chart (SVG) under .dss/bench/, and the chart at --svg. */
async function writeFigures(
  opts: Options,
  systems: CacheSystem[],
  rounds: Rounds,
  rb: Partial<Record<CacheSystem, RedisBenchmarkResult[]>>,
  about: string,
  version: string | null,
  targets: Map<CacheSystem, Target>,
): Promise<void> {
  const results = {
    dss: [...rounds.dss.values()].map(medianOfRounds),
    redis: [...rounds.redis.values()].map(medianOfRounds),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join('.dss', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `cache-${stamp}.json`),
    JSON.stringify(
      {
        machine: about,
        options: opts,
        targets: Object.fromEntries(targets),
        results,
        rounds: { dss: Object.fromEntries(rounds.dss), redis: Object.fromEntries(rounds.redis) },
        redisBenchmark: rb,
      },
      null,
      2,
    ),
  );
  const charted: SystemCacheRuns[] = systems
    .filter((s) => results[s].length > 0)
    .map((s) => ({ system: s === 'redis' && version ? version.replace(/ \(.*\)$/, '') : NAMES[s], runs: results[s] }));
  const spec = cacheChartSpec(
    charted,
    `Cache over the Redis protocol: DSS beside ${version ?? 'Redis'}, ioredis, ${opts.connections} connections (${machineLine()})`,
  );
  for (const file of [join(dir, `cache-${stamp}.svg`), ...(opts.svg ? [opts.svg] : [])])
    await writeSvgChart(file, spec);
  console.log(`figures and chart: ${join(dir, `cache-${stamp}.{json,svg}`)}${opts.svg ? ` and ${opts.svg}` : ''}`);
}

await main().catch((err: unknown) => {
  console.error(`cache-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
process.exit();

// Queues, DSS beside BullMQ on the same Redis in the same run (a program, not
// a test). Four workloads of 1 KB messages (queue-load.ts): (a) one producer,
// one message per publish; (b) 16 producers, one message per publish; (c) one
// producer, batches of 100; (d) batches of 100 paced at 2,000 msgs/s, for
// latency below saturation. The consumer runs in a forked process, ready
// before the first publish (queue-consumer.ts); DSS through undici Pools
// against the running local cluster (`npm start`, dss-queue.ts), BullMQ with
// one Worker at concurrency 50 on the cluster's Redis (bullmq-queue.ts): its
// current primary, as the lock nodes name it at GET /redis, unless --redis.
// msgs/s = messages delivered / (last ack or completion - first publish);
// latency = publish time in the body -> receipt by the consumer.
// Prints both sides, the ratio, each side's p50/p99, errors and the machine;
// writes the figures (JSON) and a chart (SVG) under .dss/bench/.
// With --rounds N each workload runs N times per system, DSS and BullMQ taking
// turns (which goes first alternates); the table shows medians and every
// round's ratio.
//   npm run bench:queue -- [--workloads a,b,c,d] [--rounds 1] [--only dss|bullmq] [--separate-ack]
//                          [--dss <urls>] [--locks <urls>] [--redis host:port] [--svg docs/img/bench-queue.svg]
import { Command, Option } from 'commander';
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bullmqPublisher, startBullmqConsumer, WORKER_CONCURRENCY } from './bullmq-queue.js';
import { hostPort, listOf, positiveInt } from './cli-options.js';
import { clusterRedis } from './cluster-redis.js';
import { CONSUME_LOOPS, dropDssTopic, dssPublisher, startDssConsumer, warmDss } from './dss-queue.js';
import { closePools, httpRequest } from './http.js';
import { machineLine, redisVersion } from './machine.js';
import { queueChartSpec, type SystemRuns } from './queue-chart.js';
import {
  consumerChild,
  CONSUMER_ROLE,
  forkConsumer,
  type ConsumerSpec,
  type QueueSystem,
  type RedisAddress,
} from './queue-consumer.js';
import {
  medianOfRounds,
  publishWorkload,
  queueRun,
  WORKLOADS,
  type QueueRun,
  type Workload,
  type WorkloadId,
} from './queue-load.js';
import { ERRORS_LEGEND, tableHeader, tableRow } from './queue-table.js';
import { writeSvgChart } from './svg-chart.js';

interface Options {
  workloads: WorkloadId[];
  rounds: number;
  only?: QueueSystem;
  separateAck: boolean;
  dss: string;
  locks: string;
  redis?: RedisAddress;
  svg?: string;
}

const SELF = fileURLToPath(import.meta.url);
const BULLMQ_VERSION = (createRequire(import.meta.url)('bullmq/package.json') as { version: string }).version;

function parseOptions(): Options {
  return new Command('bench:queue')
    .description('DSS queue beside BullMQ, same Redis, same run, same workloads')
    .addOption(
      new Option('--workloads <list>', 'workloads to run, of a,b,c,d')
        .argParser(listOf(WORKLOADS.map((w) => w.id)))
        .default(
          WORKLOADS.map((w) => w.id),
          'a,b,c,d',
        ),
    )
    .option('--rounds <n>', 'runs of each workload per system, taking turns; the table shows medians', positiveInt, 1)
    .addOption(new Option('--only <system>', 'run one side only').choices(['dss', 'bullmq']))
    .option('--separate-ack', 'DSS consumers ack each batch with POST /queue/ack instead of in the next consume', false)
    .option('--dss <urls>', 'queue nodes', 'http://127.0.0.1:8011,http://127.0.0.1:8012,http://127.0.0.1:8013')
    .option(
      '--locks <urls>',
      'lock nodes, asked for the Redis primary',
      'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003',
    )
    .addOption(
      new Option(
        '--redis <host:port>',
        "Redis for BullMQ (default: the DSS cluster's primary, for the same Redis)",
      ).argParser(hostPort),
    )
    .option('--svg <file>', 'also write the chart here (docs/img/bench-queue.svg for the docs)')
    .parse()
    .opts<Options>();
}

function machine(redis: string | null, withBullmq: boolean): string {
  return machineLine(redis, withBullmq ? `bullmq ${BULLMQ_VERSION}` : null);
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const systems: QueueSystem[] = opts.only ? [opts.only] : ['dss', 'bullmq'];
  const urls = opts.dss.split(',');
  if (systems.includes('dss')) {
    const up = await httpRequest('GET', `${urls[0]}/health`, undefined, 2000).then(
      (r) => r.status === 200,
      () => false,
    );
    if (!up) throw new Error(`no DSS queue node answers at ${urls[0]}: start the local cluster first (npm start)`);
  }
  const found = opts.redis
    ? { address: opts.redis, how: 'given with --redis' }
    : await clusterRedis(opts.locks.split(','));
  const redis = new Redis({
    ...found.address,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await bench(opts, systems, urls, redis, found);
  } finally {
    await closePools();
    redis.disconnect();
  }
}

async function bench(
  opts: Options,
  systems: QueueSystem[],
  urls: string[],
  redis: Redis,
  found: { address: RedisAddress; how: string },
): Promise<void> {
  const address = found.address;
  const where = `${address.host}:${address.port}`;
  const workloads = WORKLOADS.filter((w) => opts.workloads.includes(w.id));
  const version = await redis.connect().then(
    () => redisVersion(redis),
    () => null,
  );
  if (!version) {
    if (systems.includes('bullmq'))
      throw new Error(`Redis does not answer at ${where}: pass the DSS cluster's Redis with --redis host:port`);
    console.log(`Redis does not answer at ${where}: DSS topics of this run are left in Redis (empty once acked)`);
  }
  const rounds: Rounds = { dss: new Map(), bullmq: new Map() };
  let warnedRedis = false;
  // One run: a fresh topic or queue, the consumer forked and ready, the workload published, cleaned up after.
  const runOnce = async (system: QueueSystem, w: Workload, round: number): Promise<QueueRun> => {
    const name = `bench-q-${process.pid}-${Date.now().toString(36)}-${w.id}-${system}`;
    const spec: ConsumerSpec = {
      system,
      name,
      target: w.messages,
      urls,
      redis: address,
      separateAck: opts.separateAck,
    };
    const bull = system === 'bullmq' ? await bullmqPublisher(name, address) : undefined;
    if (system === 'dss') await warmDss(urls);
    try {
      const consumer = await forkConsumer(SELF, spec);
      const totals = await publishWorkload(bull ?? dssPublisher(urls, name), w);
      consumer.published(totals.published);
      const run = queueRun(w.id, totals, await consumer.done);
      const of = opts.rounds > 1 ? ` round ${round + 1}/${opts.rounds}` : '';
      console.error(
        `${w.id} ${system}${of}: ${Math.round(run.msgsPerSecond)} msgs/s in ${run.seconds.toFixed(1)} s, p50 ${run.p50Ms.toFixed(1)} / p99 ${run.p99Ms.toFixed(1)} ms`,
      );
      return run;
    } finally {
      if (bull) await bull.dispose();
      if (system === 'dss' && version && !(await dropDssTopic(redis, name)) && !warnedRedis) {
        warnedRedis = true;
        console.log(
          `note: DSS's topic ${name} is not in the Redis at ${where}: --redis is not the DSS cluster's Redis`,
        );
      }
    }
  };

  const ack = opts.separateAck ? 'consume then POST /queue/ack per batch' : 'ack-and-fetch';
  const each = opts.rounds > 1 ? `; ${opts.rounds} rounds per workload taking turns` : '';
  console.log(
    `queue: publish -> consume -> ack of 1 KB messages; consumer in a forked process; DSS ${CONSUME_LOOPS} consume loops over ${urls.length} nodes (max 100, ${ack}); BullMQ one Worker at concurrency ${WORKER_CONCURRENCY} on ${where}${each}`,
  );
  console.log(`Redis: ${where}, ${found.how}`);
  console.log(`machine: ${machine(version, systems.includes('bullmq'))}`);
  for (const w of workloads) {
    for (let r = 0; r < opts.rounds; r++) {
      // Taking turns, the first system alternating: a slow spell of the machine hits both.
      const order = r % 2 === 0 ? systems : [...systems].reverse();
      for (const system of order) {
        const list = rounds[system].get(w.id) ?? [];
        list.push(await runOnce(system, w, r));
        rounds[system].set(w.id, list);
      }
    }
  }
  await report(opts, systems, version, rounds);
}

/** Every run of each system, by workload, in the order they ran. */
type Rounds = Record<QueueSystem, Map<WorkloadId, QueueRun[]>>;

/** The table on stdout, the figures and the chart under .dss/bench/. */
async function report(opts: Options, systems: QueueSystem[], version: string | null, rounds: Rounds): Promise<void> {
  const workloads = WORKLOADS.filter((w) => opts.workloads.includes(w.id));
  const results = {
    dss: [...rounds.dss.values()].map(medianOfRounds),
    bullmq: [...rounds.bullmq.values()].map(medianOfRounds),
  };
  const perRound = opts.rounds > 1 && systems.length === 2;
  if (opts.rounds > 1)
    console.log(`medians of ${opts.rounds} rounds${perRound ? "; last column: each round's ratio" : ''}`);
  console.log(ERRORS_LEGEND);
  for (const line of tableHeader(perRound)) console.log(line);
  for (const w of workloads) {
    const d = rounds.dss.get(w.id);
    const b = rounds.bullmq.get(w.id);
    console.log(
      tableRow(
        w.label,
        d && medianOfRounds(d),
        b && medianOfRounds(b),
        perRound && d && b ? { dss: d, bullmq: b } : undefined,
      ),
    );
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join('.dss', 'bench');
  mkdirSync(dir, { recursive: true });
  const about = machine(version, systems.includes('bullmq'));
  writeFileSync(
    join(dir, `queue-${stamp}.json`),
    JSON.stringify(
      {
        machine: about,
        options: opts,
        results,
        rounds: { dss: Object.fromEntries(rounds.dss), bullmq: Object.fromEntries(rounds.bullmq) },
      },
      null,
      2,
    ),
  );
  const charted: SystemRuns[] = [
    ...(results.dss.length ? [{ system: 'DSS', runs: results.dss }] : []),
    ...(results.bullmq.length ? [{ system: `BullMQ ${BULLMQ_VERSION}`, runs: results.bullmq }] : []),
  ];
  const spec = queueChartSpec(charted, `Queues: DSS beside BullMQ ${BULLMQ_VERSION} (${machine(version, false)})`);
  for (const file of [join(dir, `queue-${stamp}.svg`), ...(opts.svg ? [opts.svg] : [])])
    await writeSvgChart(file, spec);
  console.log(`figures and chart: ${join(dir, `queue-${stamp}.{json,svg}`)}${opts.svg ? ` and ${opts.svg}` : ''}`);
}

if (process.argv[2] === CONSUMER_ROLE) {
  await consumerChild(process.argv[3] ?? '{}', (spec, tally) =>
    (spec.system === 'dss' ? startDssConsumer : startBullmqConsumer)(spec, tally),
  );
} else {
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

// Locks, DSS beside etcd in the same run (a program, not a test): acquire +
// release of an exclusive lock on a random one of 1,000 resources, requests
// to a random node, at 1, 16 and 64 concurrent clients; DSS through undici
// Pools against the running local cluster (`npm start`), etcd through its gRPC
// client on a three-member cluster this program starts (fsync on, as DSS).
// Prints both sides, the ratio per level, each side's p50/p99 and the machine;
// writes the figures (JSON) and a chart (SVG) under .dss/bench/.
// With --rounds N each level runs N times, DSS and etcd taking turns (which goes
// first alternates), and the table shows each side's medians and every round's
// ratio: on a shared machine one round can be off by a quarter either way.
//   npm run bench:lock -- [--duration 10] [--levels 1,16,64] [--rounds 1] [--only dss|etcd] [--svg docs/img/bench-lock.svg]
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nonNegativeInt, positiveInt } from './cli-options.js';
import { dssLocker } from './dss-locker.js';
import { startEtcd } from './etcd-cluster.js';
import { etcdLocker } from './etcd-locker.js';
import { closePools, httpRequest } from './http.js';
import { lockChartSpec, type SystemLevels } from './lock-chart.js';
import { lockLevel, medianOfRounds, type LockLevel, type LockLoadOptions } from './lock-load.js';
import { machineLine } from './machine.js';
import { writeSvgChart } from './svg-chart.js';

const ETCD_INSTALL = 'apt-get install etcd-server (Debian/Ubuntu), or put etcd on the PATH and pass --etcd <binary>';

const opts = new Command('bench:lock')
  .description('DSS locks beside etcd, same run, same workload')
  .option('--duration <s>', 'measured seconds per level and system', positiveInt, 10)
  .option('--warmup <s>', 'unmeasured seconds before each level', positiveInt, 2)
  .option(
    '--prime <s>',
    'unmeasured seconds at 16 clients on each system before the first level (JIT of daemons just started); 0: none',
    nonNegativeInt,
    5,
  )
  .option('--levels <list>', 'concurrent clients per level', (v) => v.split(',').map(positiveInt), [1, 16, 64])
  .option('--rounds <n>', 'runs of each level per system, taking turns; the table shows medians', positiveInt, 1)
  .option('--resources <n>', 'resources the clients pick from', positiveInt, 1000)
  .option('--dss <urls>', 'lock nodes', 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003')
  .option('--etcd <binary>', 'etcd server binary', '/usr/bin/etcd')
  .option('--only <system>', 'run one side only: dss or etcd')
  .option('--svg <file>', 'also write the chart here (docs/img/bench-lock.svg for the docs)')
  .parse()
  .opts<{
    duration: number;
    warmup: number;
    prime: number;
    levels: number[];
    rounds: number;
    resources: number;
    dss: string;
    etcd: string;
    only?: string;
    svg?: string;
  }>();

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);

function machine(etcdVersion: string | null): string {
  return machineLine(etcdVersion);
}

async function main(): Promise<void> {
  const runDss = opts.only !== 'etcd';
  let runEtcd = opts.only !== 'dss';
  const urls = opts.dss.split(',');
  if (runDss) {
    const up = await httpRequest('GET', `${urls[0]}/health`, undefined, 2000).then(
      (r) => r.status === 200,
      () => false,
    );
    if (!up) throw new Error(`no DSS lock node answers at ${urls[0]}: start the local cluster first (npm start)`);
  }
  if (runEtcd && !existsSync(opts.etcd)) {
    if (opts.only === 'etcd') throw new Error(`etcd not found at ${opts.etcd}: ${ETCD_INSTALL}`);
    console.log(`etcd not found at ${opts.etcd}, so DSS runs alone; for the comparison: ${ETCD_INSTALL}`);
    runEtcd = false;
  }
  const etcdVersion = runEtcd
    ? execFileSync(opts.etcd, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim()
    : null;
  const etcd = runEtcd ? await startEtcd(opts.etcd) : null;
  // Per level, every round of each system.
  const rounds: { dss: LockLevel[][]; etcd: LockLevel[][] } = { dss: [], etcd: [] };
  const prefix = `bench-${process.pid}-${Date.now()}/`;
  try {
    const each = opts.rounds > 1 ? `, ${opts.rounds} rounds per level taking turns` : '';
    console.log(
      `locks: acquire+release of one of ${opts.resources} resources, random node; ${opts.duration} s per level after ${opts.warmup} s warm-up${each}`,
    );
    console.log(`machine: ${machine(etcdVersion)}`);
    // Daemons started just before run their first seconds in V8's interpreter; the first
    // level would measure that. Both systems get the same unmeasured load.
    // etcd's locker holds one lease per client: opened for each run, closed after it.
    const onEtcd = async (clientUrls: readonly string[], load: LockLoadOptions): Promise<LockLevel> => {
      const sessions = await etcdLocker(clientUrls, load.clients);
      return lockLevel(sessions.locker, load).finally(() => sessions.close());
    };
    const primer: LockLoadOptions = {
      clients: 16,
      seconds: 0,
      warmupSeconds: opts.prime,
      resources: opts.resources,
      prefix,
    };
    if (runDss && opts.prime > 0) await lockLevel(dssLocker(urls), primer);
    if (etcd && opts.prime > 0) await onEtcd(etcd.clientUrls, primer);
    for (const clients of opts.levels) {
      const load: LockLoadOptions = {
        clients,
        seconds: opts.duration,
        warmupSeconds: opts.warmup,
        resources: opts.resources,
        prefix,
      };
      const dss: LockLevel[] = [];
      const etcdRounds: LockLevel[] = [];
      for (let r = 0; r < opts.rounds; r++) {
        // Taking turns, the first system alternating: a slow spell of the machine hits both.
        const dssFirst = r % 2 === 0;
        if (etcd && !dssFirst) etcdRounds.push(await onEtcd(etcd.clientUrls, load));
        if (runDss) dss.push(await lockLevel(dssLocker(urls), load));
        if (etcd && dssFirst) etcdRounds.push(await onEtcd(etcd.clientUrls, load));
      }
      if (dss.length) rounds.dss.push(dss);
      if (etcdRounds.length) rounds.etcd.push(etcdRounds);
    }
  } finally {
    await etcd?.stop();
    await closePools();
  }
  const results = { dss: rounds.dss.map(medianOfRounds), etcd: rounds.etcd.map(medianOfRounds) };
  printTable(results, rounds);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join('.dss', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `lock-${stamp}.json`),
    JSON.stringify({ machine: machine(etcdVersion), options: opts, results, rounds }, null, 2),
  );
  const systems: SystemLevels[] = [
    ...(results.dss.length ? [{ system: 'DSS', levels: results.dss }] : []),
    ...(results.etcd.length ? [{ system: 'etcd', levels: results.etcd }] : []),
  ];
  const spec = lockChartSpec(systems, `Locks: DSS beside ${etcdVersion ?? 'etcd'} (${machine(null)})`);
  for (const file of [join(dir, `lock-${stamp}.svg`), ...(opts.svg ? [opts.svg] : [])]) await writeSvgChart(file, spec);
  console.log(`figures and chart: ${join(dir, `lock-${stamp}.{json,svg}`)}${opts.svg ? ` and ${opts.svg}` : ''}`);
}

function printTable(
  r: { dss: LockLevel[]; etcd: LockLevel[] },
  all: { dss: LockLevel[][]; etcd: LockLevel[][] },
): void {
  const perRound = opts.rounds > 1 && all.dss.length > 0 && all.etcd.length > 0;
  if (opts.rounds > 1)
    console.log(`medians of ${opts.rounds} rounds${perRound ? "; last column: each round's ratio" : ''}`);
  console.log(
    `| clients | DSS pairs/s | etcd pairs/s | ratio | DSS p50 / p99 | etcd p50 / p99 | errors DSS / etcd |${perRound ? ' ratio per round |' : ''}`,
  );
  console.log(`|---|---|---|---|---|---|---|${perRound ? '---|' : ''}`);
  opts.levels.forEach((clients, i) => {
    const d = r.dss[i];
    const e = r.etcd[i];
    const ratio = d && e && e.pairsPerSecond > 0 ? (d.pairsPerSecond / e.pairsPerSecond).toFixed(2) : '–';
    const lat = (l?: LockLevel) => (l ? `${f1(l.p50Ms)} / ${f1(l.p99Ms)} ms` : '–');
    const rounds = perRound
      ? ` ${all.dss[i]!.map((x, k) => (x.pairsPerSecond / all.etcd[i]![k]!.pairsPerSecond).toFixed(2)).join(', ')} |`
      : '';
    console.log(
      `| ${clients} | ${d ? f0(d.pairsPerSecond) : '–'} | ${e ? f0(e.pairsPerSecond) : '–'} | ${ratio} | ${lat(d)} | ${lat(e)} | ${d?.errors ?? '–'} / ${e?.errors ?? '–'} |${rounds}`,
    );
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});

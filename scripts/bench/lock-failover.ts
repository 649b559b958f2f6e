// Lock failover, DSS beside etcd in the same run (a program, not a test): the
// leader is SIGKILLed, then an acquire of a fresh resource is launched every
// 20 ms through the surviving nodes, each with a 2 s deadline; the figure is
// the time from the kill to the first acquire that succeeds. Repeated
// `--kills` times per system (the killed node restarts in between: PM2
// restarts DSS's, this program restarts etcd's); prints median and max.
//   npm run bench:lock-failover -- [--kills 5] [--only dss|etcd]
import { Command } from 'commander';
import { Etcd3 } from 'etcd3';
import { noop } from 'cockatiel';
import { existsSync } from 'node:fs';
import { positiveInt } from './cli-options.js';
import { startEtcd } from './etcd-cluster.js';
import { closePools, httpRequest } from './http.js';
import { percentile } from './stats.js';

const PROBE_EVERY_MS = 20;
const PROBE_DEADLINE_MS = 2000;
const GIVE_UP_MS = 30_000;
const SETTLE_MS = 3000;

const opts = new Command('bench:lock-failover')
  .description('time from a lock leader SIGKILL to the first successful acquire through a survivor')
  .option('--kills <n>', 'leader kills per system', positiveInt, 5)
  .option('--dss <urls>', 'lock nodes', 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003')
  .option('--etcd <binary>', 'etcd server binary', '/usr/bin/etcd')
  .option('--only <system>', 'dss or etcd')
  .parse()
  .opts<{ kills: number; dss: string; etcd: string; only?: string }>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Launches `probe` every PROBE_EVERY_MS from `killedAt` until one resolves true; ms from the kill. */
async function firstSuccess(killedAt: number, probe: (n: number) => Promise<boolean>): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    let done = false;
    const timer = setInterval(() => {
      if (done) return;
      if (performance.now() - killedAt > GIVE_UP_MS) {
        done = true;
        clearInterval(timer);
        reject(new Error(`no acquire succeeded within ${GIVE_UP_MS} ms of the kill`));
        return;
      }
      void probe(n++).then(
        (ok) => {
          if (!ok || done) return;
          done = true;
          clearInterval(timer);
          resolve(performance.now() - killedAt);
        },
        () => undefined,
      );
    }, PROBE_EVERY_MS);
  });
}

async function dssRounds(urls: string[]): Promise<number[]> {
  const health = async (url: string) => {
    const r = await httpRequest('GET', `${url}/health`, undefined, 1000).catch(() => undefined);
    return r?.status === 200 ? (JSON.parse(r.text) as { node: string; pid: number }) : undefined;
  };
  const acquire = (url: string, resource: string) =>
    httpRequest(
      'POST',
      `${url}/lock/acquire`,
      JSON.stringify({ resource, owner: `failover-${process.pid}`, ttlMs: 10_000, waitMs: 0 }),
      PROBE_DEADLINE_MS,
    );
  const times: number[] = [];
  for (let round = 0; round < opts.kills; round++) {
    const probe = await acquire(urls[0]!, `failover-${process.pid}-${round}-leader`);
    const leaderId = probe.headers['x-dss-leader'];
    const nodes = await Promise.all(urls.map(health));
    const i = nodes.findIndex((h) => h?.node === leaderId);
    if (i < 0) throw new Error(`no lock node answers as the leader ${String(leaderId)}`);
    const survivors = urls.filter((_, j) => j !== i);
    process.kill(nodes[i]!.pid, 'SIGKILL');
    const killedAt = performance.now();
    times.push(
      await firstSuccess(killedAt, (n) =>
        acquire(survivors[n % survivors.length]!, `failover-${process.pid}-${round}-${n}`).then(
          (r) => r.status === 200,
        ),
      ),
    );
    // PM2 restarts the killed node; wait for it, then let the cluster settle.
    for (const deadline = Date.now() + GIVE_UP_MS; !(await health(urls[i]!)); await sleep(200)) {
      if (Date.now() > deadline)
        throw new Error(`${urls[i]} did not come back (is the cluster running under PM2? npm start)`);
    }
    await sleep(SETTLE_MS);
  }
  return times;
}

async function etcdRounds(binary: string): Promise<number[]> {
  const etcd = await startEtcd(binary, 24790);
  const times: number[] = [];
  try {
    for (let round = 0; round < opts.kills; round++) {
      const i = await etcd.leader();
      const survivors = etcd.clientUrls.filter((_, j) => j !== i);
      // A client that knows only the survivors, without etcd3's retries and circuit breaker, so
      // each probe is one attempt with its own deadline.
      const client = new Etcd3({
        hosts: survivors,
        faultHandling: { host: () => noop, global: noop },
        defaultCallOptions: () => ({ deadline: Date.now() + PROBE_DEADLINE_MS }),
      });
      await etcd.kill(i);
      const killedAt = performance.now();
      try {
        times.push(
          await firstSuccess(killedAt, async (n) => {
            const key = `failover/${process.pid}/${round}/${n}`;
            return (await client.if(key, 'Create', '==', 0).then(client.put(key).value('x')).commit()).succeeded;
          }),
        );
      } finally {
        client.close();
      }
      await etcd.restart(i);
      await sleep(SETTLE_MS);
    }
  } finally {
    await etcd.stop();
  }
  return times;
}

function line(system: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `| ${system} | ${percentile(sorted, 50).toFixed(0)} ms | ${sorted[sorted.length - 1]!.toFixed(0)} ms | ${times.map((t) => t.toFixed(0)).join(', ')} |`;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  if (opts.only !== 'etcd') rows.push(line('DSS', await dssRounds(opts.dss.split(','))));
  if (opts.only !== 'dss') {
    if (existsSync(opts.etcd)) rows.push(line('etcd', await etcdRounds(opts.etcd)));
    else console.log(`etcd not found at ${opts.etcd}: apt-get install etcd-server for the comparison`);
  }
  console.log(`lock failover: leader SIGKILL to the first successful acquire through a survivor, ${opts.kills} kills`);
  console.log('| system | median | max | each kill |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => void closePools());

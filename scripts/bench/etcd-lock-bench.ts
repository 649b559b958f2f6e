// The peer for the lock benchmark: etcd's own lock API (v3 lock service, via
// its JSON gateway) on a three-member etcd cluster started on loopback, same
// levels and shape as lock-bench (own resource per client, lock + unlock per
// pair, one lease per client kept for the whole run: etcd's session pattern).
//   node dist/scripts/bench/etcd-lock-bench.js [seconds=10] [etcd binary=/usr/bin/etcd]
import { existsSync } from 'node:fs';
import { startEtcd } from './etcd-cluster.js';
import { closePools, postJson } from './http.js';
import { formatRow, runLevel } from './stats.js';

const seconds = Number(process.argv[2] ?? 10);
const binary = process.argv[3] ?? '/usr/bin/etcd';
const LEVELS = [1, 16, 64];
const b64 = (s: string) => Buffer.from(s).toString('base64');


async function main(): Promise<void> {
  if (!existsSync(binary)) {
    console.error(`etcd not found at ${binary}: apt-get install etcd-server`);
    process.exit(2);
  }
  const etcd = await startEtcd(binary);
  try {
    const urls = etcd.clientUrls;
    const leases: string[] = [];
    for (let c = 0; c < 64; c++) {
      const res = await postJson<{ ID: string }>(`${urls[c % urls.length]}/v3/lease/grant`, { TTL: 60 });
      if (!res.body?.ID) throw new Error(`etcd granted no lease (HTTP ${res.status})`);
      leases.push(res.body.ID);
    }
    const pair = async (client: number): Promise<boolean> => {
      const url = urls[client % urls.length]!;
      const locked = await postJson<{ key?: string }>(`${url}/v3/lock/lock`, { name: b64(`bench-${client}`), lease: leases[client] });
      if (locked.status !== 200 || !locked.body?.key) return false;
      return (await postJson(`${url}/v3/lock/unlock`, { key: locked.body.key })).status === 200;
    };
    await Promise.all(Array.from({ length: 64 }, (_, c) => pair(c)));
    console.log(`etcd (${binary}), 3 members on loopback: lock+unlock pairs, ${seconds} s per level`);
    console.log('| clients | pairs/s | p50 | p99 | pairs | errors |');
    console.log('|---|---|---|---|---|---|');
    for (const c of LEVELS) console.log(formatRow(await runLevel(c, seconds, (client) => pair(client))));
  } finally {
    await etcd.stop();
  }
}

await main();
await closePools();

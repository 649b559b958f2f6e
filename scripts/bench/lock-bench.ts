// Lock benchmark (a program, not a test): acquire+release pairs per second and
// pair latency p50/p99 at 1, 16 and 64 concurrent clients against a running
// cluster (by default the local one from `npm start`). Each client works on its
// own resource, spread over all lock nodes (followers forward to the leader).
//   node dist/scripts/bench/lock-bench.js [seconds=10] [url,url,...]
import { closePools, httpRequest } from './http.js';
import { formatRow, runLevel } from './stats.js';

const seconds = Number(process.argv[2] ?? 10);
const urls = (process.argv[3] ?? 'http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003').split(',');
const LEVELS = [1, 16, 64];

async function post(url: string, body: unknown): Promise<number> {
  return (await httpRequest('POST', url, JSON.stringify(body))).status;
}

async function pair(client: number): Promise<boolean> {
  const url = urls[client % urls.length]!;
  const resource = `bench-${client}`;
  if ((await post(`${url}/lock/acquire`, { resource, owner: `c${client}`, ttlMs: 10_000 })) !== 200) return false;
  return (await post(`${url}/lock/release`, { resource, owner: `c${client}` })) === 200;
}

async function main(): Promise<void> {
  await Promise.all(Array.from({ length: 64 }, (_, c) => pair(c))); // warm-up
  console.log(`DSS lock: acquire+release pairs, ${seconds} s per level, clients spread over ${urls.join(' ')}`);
  console.log('| clients | pairs/s | p50 | p99 | pairs | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const c of LEVELS) console.log(formatRow(await runLevel(c, seconds, (client) => pair(client))));
}

await main();
await closePools();

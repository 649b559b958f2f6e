// Queue benchmark (a program, not a test): end-to-end publish -> consume ->
// ack messages/s and publish-to-consume latency p50/p99, for batch sizes 1 and
// 100, DSS beside BullMQ on the same Redis in the same run. Start the local
// cluster first (npm start), then:
//   node dist/scripts/bench/queue-bench.js [seconds=10] [redis port=6379] [dss urls]
import { Queue, Worker } from 'bullmq';
import { postJson } from './http.js';
import { percentile } from './stats.js';

const seconds = Number(process.argv[2] ?? 10);
const redisPort = Number(process.argv[3] ?? 6379);
const urls = (process.argv[4] ?? 'http://127.0.0.1:8011,http://127.0.0.1:8012,http://127.0.0.1:8013').split(',');
const PRODUCERS = 4;
const CONSUMERS = 8;
const PAYLOAD = 'x'.repeat(100);

interface Result {
  readonly label: string;
  readonly messages: number;
  readonly seconds: number;
  readonly latencies: number[];
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await postJson<T>(url, body);
  if (res.body === undefined) throw new Error(`${url} answered ${res.status} without JSON`);
  return res.body;
}

async function dss(batch: number): Promise<Result> {
  const topic = `bench-${batch}-${Date.now()}`;
  const latencies: number[] = [];
  let producing = true;
  let published = 0;
  const started = performance.now();
  const producers = Array.from({ length: PRODUCERS }, async (_, p) => {
    for (let i = 0; producing; i++) {
      const messages = Array.from({ length: batch }, () => ({ t: Date.now(), p: PAYLOAD }));
      await post(`${urls[(p + i) % urls.length]}/queue/publish`, { topic, messages });
      published += batch;
    }
  });
  let acked = 0;
  const consumers = Array.from({ length: CONSUMERS }, async (_, c) => {
    for (let i = 0; producing || acked < published; i++) {
      const url = urls[(c + i) % urls.length];
      const res = await post<{ messages: { receipt: string; body: { t: number } }[] }>(`${url}/queue/consume`, { topic, max: batch, waitMs: 200 });
      if (res.messages.length === 0) continue;
      const now = Date.now();
      for (const m of res.messages) latencies.push(now - m.body.t);
      await post(`${url}/queue/ack`, { topic, receipts: res.messages.map((m) => m.receipt) });
      acked += res.messages.length;
    }
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  producing = false;
  await Promise.all(producers);
  await Promise.all(consumers);
  return { label: `DSS, batch ${batch}`, messages: acked, seconds: (performance.now() - started) / 1000, latencies };
}

async function bullmq(batch: number): Promise<Result> {
  const connection = { host: '127.0.0.1', port: redisPort };
  const name = `bench-${batch}-${Date.now()}`;
  const queue = new Queue(name, { connection });
  const latencies: number[] = [];
  let done = 0;
  const worker = new Worker(
    name,
    async (job) => {
      latencies.push(Date.now() - (job.data as { t: number }).t);
      done++;
    },
    { connection, concurrency: 50, autorun: true },
  );
  let producing = true;
  let published = 0;
  const started = performance.now();
  const producers = Array.from({ length: PRODUCERS }, async () => {
    while (producing) {
      if (batch === 1) await queue.add('m', { t: Date.now(), p: PAYLOAD }, { removeOnComplete: true });
      else await queue.addBulk(Array.from({ length: batch }, () => ({ name: 'm', data: { t: Date.now(), p: PAYLOAD }, opts: { removeOnComplete: true } })));
      published += batch;
    }
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  producing = false;
  await Promise.all(producers);
  while (done < published) await new Promise((r) => setTimeout(r, 20));
  const elapsed = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { label: `BullMQ, batch ${batch}`, messages: done, seconds: elapsed, latencies };
}

function row(r: Result): string {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const rate = Math.round(r.messages / r.seconds).toLocaleString('en-US');
  return `| ${r.label} | ${rate} | ${percentile(sorted, 50).toFixed(1)} ms | ${percentile(sorted, 99).toFixed(1)} ms | ${r.messages} |`;
}

async function main(): Promise<void> {
  console.log(`publish -> consume -> ack, ${PRODUCERS} producers, ${CONSUMERS} DSS consumers / BullMQ concurrency 50, ${seconds} s per run, Redis 127.0.0.1:${redisPort}`);
  console.log('| system | messages/s end to end | latency p50 | latency p99 | messages |');
  console.log('|---|---|---|---|---|');
  for (const batch of [1, 100]) {
    console.log(row(await dss(batch)));
    console.log(row(await bullmq(batch)));
  }
}

await main();
process.exit(0);

// Benchmark (a program, not a test): proposals/s and commit latency of three
// Raft nodes over TCP on loopback with real fsync, at 1 and 64 concurrent
// proposers. Run after `npm run build`:
//   node dist/libs/raft/src/bench/raft-tcp.bench.js [seconds-per-level] [payload-bytes]
import { TcpRaftCluster, until } from '../testing/tcp-raft-cluster.js';

const seconds = Number(process.argv[2] ?? 10);
const payload = 'x'.repeat(Number(process.argv[3] ?? 128));
const LEVELS = [1, 64];

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function level(cluster: TcpRaftCluster, concurrency: number): Promise<string> {
  const leader = cluster.node(cluster.leaderId()!);
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await leader.propose(payload);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const rate = Math.round(latencies.length / elapsed);
  return `| ${concurrency} | ${rate.toLocaleString('en-US')} | ${percentile(latencies, 50).toFixed(2)} ms | ${percentile(latencies, 99).toFixed(2)} ms | ${latencies.length} |`;
}

async function main(): Promise<void> {
  const cluster = new TcpRaftCluster(['n1', 'n2', 'n3']);
  await cluster.start();
  try {
    await until(() => cluster.agreed(), 10_000);
    // Warm up connections and the JIT.
    await Promise.all(Array.from({ length: 500 }, () => cluster.node(cluster.leaderId()!).propose(payload)));
    console.log(
      `Raft, 3 nodes in one process over TCP loopback, fsync on, ${payload.length}-byte commands, ${seconds} s per level`,
    );
    console.log('| proposers | proposals/s | p50 | p99 | proposals |');
    console.log('|---|---|---|---|---|');
    for (const c of LEVELS) console.log(await level(cluster, c));
  } finally {
    await cluster.close();
  }
}

await main();
process.exit(0);

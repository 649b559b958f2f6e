// The console's screenshots for docs/console.md and its page load times for
// docs/benchmarks.md (a program, not a test): against the running local
// cluster (`npm start`), it seeds a little demo data (a lock with a waiter, a
// topic with messages and a dead letter, a cached key), opens each page in
// headless Chromium and waits until the page shows live data.
//   npm run docs:console -- [--console http://127.0.0.1:8031] [--out docs/img] [--rounds 5]
import { Command } from 'commander';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { findExecutable } from './local-cluster/redis-server.js';
import { positiveInt } from './bench/cli-options.js';
import { REPO_ROOT } from './local-cluster/paths.js';

const opts = new Command('docs:console')
  .description('screenshots of every console page, and how long each takes to show live data')
  .option('--console <url>', "a node's console", 'http://127.0.0.1:8031')
  .option('--lock <url>', 'a lock node', 'http://127.0.0.1:8001')
  .option('--queue <url>', 'a queue node', 'http://127.0.0.1:8011')
  .option('--cache <url>', 'a cache node', 'http://127.0.0.1:8022')
  .option('--out <dir>', 'where the PNGs go', join(REPO_ROOT, 'docs', 'img'))
  .option('--rounds <n>', 'loads of each page to time', positiveInt, 5)
  .option('--no-shots', 'time the pages only')
  .parse()
  .opts<{ console: string; lock: string; queue: string; cache: string; out: string; rounds: number; shots: boolean }>();

/** Each page, and what on it means the live data is there. */
const PAGES = [
  { name: 'cluster', hash: '#/cluster', ready: '[data-testid=nodes] .dot.ok' },
  { name: 'locks', hash: '#/locks?prefix=orders/&resource=orders/42', ready: '[data-testid=holders]' },
  { name: 'queues', hash: '#/queues?topic=payments', ready: '[data-testid=messages]' },
  { name: 'cache', hash: '#/cache?key=greeting', ready: '[data-testid=cache-states]' },
] as const;

async function post(url: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function seed(): Promise<void> {
  await post(`${opts.lock}/lock/acquire`, { resource: 'orders/42', owner: 'billing-7f3a', ttlMs: 600_000 });
  await post(`${opts.lock}/lock/acquire`, { resource: 'orders/43', owner: 'billing-7f3a', ttlMs: 600_000 });
  // A waiter, left waiting while the screenshots are taken.
  void post(`${opts.lock}/lock/acquire`, {
    resource: 'orders/42',
    owner: 'refunds-1c9e',
    ttlMs: 60_000,
    waitMs: 20_000,
  });
  const topic = 'payments';
  await post(`${opts.queue}/queue/publish`, {
    topic,
    messages: Array.from({ length: 12 }, (_, i) => ({ paymentId: 1000 + i, amount: 25 + i })),
  });
  // One message dead-lettered: consumed and nacked until the delivery limit.
  for (let i = 0; i < 10; i++) {
    const got = (await post(`${opts.queue}/queue/consume`, { topic, max: 1 })) as { messages?: { receipt: string }[] };
    const receipt = got.messages?.[0]?.receipt;
    if (!receipt) break;
    const nack = await post(`${opts.queue}/queue/nack`, { topic, receipt });
    if (nack.outcome === 'dead') break;
  }
  await post(`${opts.cache}/cache/greeting`, { value: 'hello', ttlMs: 3_600_000 }, 'PUT');
}

async function main(): Promise<void> {
  const executablePath = process.env.DSS_CHROMIUM ?? findExecutable('chromium');
  if (!executablePath) throw new Error('chromium is not installed (Debian: apt-get install chromium)');
  await seed();
  const browser = await chromium.launch({
    executablePath,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    console.log(`console ${opts.console}, Chromium ${browser.version()}, ${opts.rounds} loads per page`);
    console.log('page      navigation start to live data shown: median / max (ms)');
    for (const p of PAGES) {
      const times: number[] = [];
      for (let i = 0; i < opts.rounds; i++) {
        await page.goto('about:blank');
        await page.goto(`${opts.console}/${p.hash}`);
        await page.waitForSelector(p.ready);
        // The page's own clock: from navigation start to its first render of live data (markLive in dom.js).
        await page.waitForFunction(() => performance.getEntriesByName('dss:live').length > 0);
        times.push(await page.evaluate(() => performance.getEntriesByName('dss:live')[0]!.startTime));
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(`${p.name.padEnd(9)} ${median.toFixed(0).padStart(6)} / ${times.at(-1)!.toFixed(0)}`);
      if (opts.shots) {
        if (p.name === 'queues') await page.getByRole('button', { name: 'dead letters' }).click();
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(opts.out, `console-${p.name}.png`), fullPage: true });
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/// <reference lib="dom" />
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { decideSuite } from '../../scripts/suite-gate.js';
import { CHROMIUM_MISSING, findChromium, launchBrowser, VIEWPORT } from '../support/browser.js';
import { eventually, TestCluster, testPortOffset } from '../support/local-cluster.js';

// The operator console (docs/console.md) in a real browser: headless Chromium
// driven by playwright-core against a real local cluster with API tokens on,
// Redis replicated as `npm start` runs it. Each page must show live data and
// its actions must work, a read-only token must not be able to act, and a
// leader kill must show up without a reload.

const chromium = findChromium();
const decision = decideSuite({
  suite: 'console browser suite',
  command: 'npm test',
  missing: chromium ? undefined : CHROMIUM_MISSING,
  askedByName: false,
  ci: Boolean(process.env.CI),
});
if (decision.action !== 'run') process.stderr.write(`${decision.message}\n`);
if (decision.action === 'fail') throw new Error(decision.message);
const suite = decision.action === 'skip' ? describe.skip : describe;

const RW = 'console-test-rw-0123456789';
const RO = 'console-test-ro-0123456789';

suite('operator console in a browser', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 75, {}, { redis: 'raft', console: true });
  const tokensFile = join(cluster.home, 'tokens.json');
  let browser: Browser;
  let page: Page;
  const consoleUrl = () => `${cluster.url('console', 'node1')}/`;
  const lockUrl = (node = 'node1') => cluster.url('lock', node);
  const queueUrl = () => cluster.url('queue', 'node2');

  async function call<T = Record<string, unknown>>(method: string, url: string, body?: unknown, token = RW) {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(90_000),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Text of the first element matching `selector`, or '' while there is none. */
  const text = (p: Page, selector: string) =>
    p.evaluate((sel) => document.querySelector(sel)?.textContent ?? '', selector);

  async function signIn(p: Page, token: string): Promise<void> {
    await p.goto(consoleUrl(), { waitUntil: 'domcontentloaded' });
    await p.waitForSelector('#token');
    await p.fill('#token', token);
    await p.keyboard.press('Enter');
    await p.waitForSelector('[data-testid=lock-leader]');
  }

  async function deadLetter(topic: string): Promise<string> {
    const published = await call<{ ids: string[] }>('POST', `${queueUrl()}/queue/publish`, {
      topic,
      message: { order: 7 },
    });
    for (;;) {
      const got = await call<{ messages: { receipt: string }[] }>('POST', `${queueUrl()}/queue/consume`, {
        topic,
        max: 1,
        waitMs: 2000,
      });
      const receipt = got.body.messages[0]?.receipt;
      if (!receipt) throw new Error(`nothing to consume on ${topic}`);
      const nack = await call<{ outcome: string }>('POST', `${queueUrl()}/queue/nack`, { topic, receipt });
      if (nack.body.outcome === 'dead') return published.body.ids[0]!;
    }
  }

  const pageErrors: string[] = [];
  let bobWaits: Promise<{ status: number; body: Record<string, unknown> }>;

  beforeAll(async () => {
    writeFileSync(tokensFile, JSON.stringify({ readWrite: [RW], readOnly: [RO] }));
    const started = await runStart();
    if (started.code !== 0) throw new Error(`cluster did not start:\n${started.output}`);
    browser = await launchBrowser(chromium!);
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  function runStart() {
    return cluster.startWith({ DSS_API_TOKENS_FILE: tokensFile });
  }

  afterEach(() => expect(pageErrors).toEqual([]));

  afterAll(async () => {
    await browser?.close();
    await cluster.dispose();
  });

  it('asks for a token, refuses a wrong one, and shows what a read-write one may do', async () => {
    await page.goto(consoleUrl(), { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#token');
    await page.fill('#token', 'not-a-token-of-this-cluster');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[role=alert]')?.textContent?.includes('not valid'));
    await signIn(page, RW);
    expect(await text(page, '[data-testid=access]')).toBe('read-write');
  });

  it('shows every node live: Raft roles, readiness, Redis primary and replicas', async () => {
    await page.goto(`${consoleUrl()}#/cluster`);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=nodes] tbody tr')];
      return rows.length === 3 && rows.every((tr) => tr.querySelectorAll('.dot.ok').length === 3);
    });
    const leader = (await call<{ raft: { leader: string } }>('GET', `${lockUrl()}/cluster`)).body.raft.leader;
    await page.waitForFunction((l) => document.querySelector('[data-testid=lock-leader]')?.textContent === l, leader);
    expect(await text(page, `[data-testid=raft-${leader}]`)).toBe('leader');
    expect(await text(page, '[data-testid=redis-primary]')).toBe('node1');
    expect(await text(page, '[data-testid=redis]')).toMatch(/replica.*up.*replica.*up/s);
  });

  it('shows a lock taken with curl, its holder and its waiter', async () => {
    expect(
      (await call('POST', `${lockUrl()}/lock/acquire`, { resource: 'console-demo/a', owner: 'alice', ttlMs: 600_000 }))
        .status,
    ).toBe(200);
    bobWaits = call('POST', `${lockUrl('node2')}/lock/acquire`, {
      resource: 'console-demo/a',
      owner: 'bob',
      ttlMs: 600_000,
      waitMs: 60_000,
    });
    await page.goto(`${consoleUrl()}#/locks?prefix=console-demo/`);
    await page.waitForSelector('[data-testid=lock-list] tr[data-resource="console-demo/a"]');
    await page.waitForSelector('[data-testid=holders] tr[data-owner=alice]');
    await page.waitForFunction(() => document.querySelector('[data-testid=waiters]')?.textContent?.includes('bob'));
  });

  it('lists a deadlock refused through the API among the recent refusals', async () => {
    const take = (resource: string, owner: string, waitMs?: number) =>
      call('POST', `${lockUrl()}/lock/acquire`, { resource, owner, ttlMs: 30_000, ...(waitMs ? { waitMs } : {}) });
    expect((await take('console-dl/x', 'dora')).status).toBe(200);
    expect((await take('console-dl/y', 'emil')).status).toBe(200);
    const doraWaits = take('console-dl/y', 'dora', 20_000);
    await eventually(async () => {
      const y = await call<{ waiters: unknown[] }>('GET', `${lockUrl()}/lock/console-dl%2Fy`);
      return y.body.waiters.length === 1;
    }, 10_000);
    const refused = await take('console-dl/x', 'emil', 20_000);
    expect(refused.body).toMatchObject({ error: { code: 'DEADLOCK' } });
    await page.goto(`${consoleUrl()}#/locks?prefix=console-dl/`);
    await page.waitForFunction(() =>
      /emil.*console-dl\/x.*emil waits for console-dl\/x/s.test(
        document.querySelector('[data-testid=deadlock-list]')?.textContent ?? '',
      ),
    );
    await call('POST', `${lockUrl()}/lock/release`, { resource: 'console-dl/y', owner: 'emil' });
    expect((await doraWaits).status).toBe(200);
  });

  it('lets a read-only token see but not release a lock or purge dead letters', async () => {
    const id = await deadLetter('console-ro');
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const ro = await context.newPage();
      await signIn(ro, RO);
      expect(await text(ro, '[data-testid=access]')).toBe('read-only');
      await ro.goto(`${consoleUrl()}#/locks?prefix=console-demo/`);
      const release = ro.locator('[data-testid=holders] tr[data-owner=alice] button');
      await release.waitFor();
      expect(await release.isDisabled()).toBe(true);
      await ro.goto(`${consoleUrl()}#/queues?topic=console-ro`);
      await ro.waitForSelector('[data-testid=topics] tr[data-topic=console-ro]');
      await ro.getByRole('button', { name: 'dead letters' }).click();
      await ro.waitForSelector(`[data-testid=messages] tr[data-message="${id}"]`);
      expect(await ro.getByRole('button', { name: 'Purge dead letters…' }).isDisabled()).toBe(true);
      // The buttons are only the first line: the console itself refuses a write with a read-only token.
      const forced = await ro.evaluate(async (token) => {
        const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
        const rel = await fetch('api/d/lock/any/lock/release', {
          method: 'POST',
          headers: h,
          body: JSON.stringify({ resource: 'console-demo/a', owner: 'alice' }),
        });
        const del = await fetch('api/d/queue/any/queue/console-ro/dead', {
          method: 'DELETE',
          headers: { authorization: h.authorization },
        });
        return [rel.status, del.status];
      }, RO);
      expect(forced).toEqual([401, 401]);
    } finally {
      await context.close();
    }
    const lock = await call<{ holders: { owner: string }[] }>('GET', `${lockUrl()}/lock/console-demo%2Fa`);
    expect(lock.body.holders.map((h) => h.owner)).toEqual(['alice']);
    expect((await call<{ dead: number }>('GET', `${queueUrl()}/queue/console-ro`)).body.dead).toBe(1);
  });

  it('releases a holder by hand after confirmation, logs it, and the waiter gets the lock', async () => {
    await page.goto(`${consoleUrl()}#/locks?prefix=console-demo/`);
    await page.locator('[data-testid=holders] tr[data-owner=alice] button').click();
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    const bob = await bobWaits;
    expect(bob.status).toBe(200);
    await page.waitForSelector('[data-testid=holders] tr[data-owner=bob]');
    const log = readFileSync(join(cluster.home, 'logs', 'dss-console-node1.out.log'), 'utf8');
    expect(log).toMatch(/audit.*POST \/lock\/release .*"owner":"alice".* by readWrite .*: 200/);
  });

  it('redrives a dead letter from the page, and a consumer receives it again', async () => {
    const id = await deadLetter('console-dlq');
    await page.goto(`${consoleUrl()}#/queues?topic=console-dlq`);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=topics] tr[data-topic=console-dlq]')?.textContent?.includes('console-dlq'),
    );
    await page.getByRole('button', { name: 'dead letters' }).click();
    await page.locator(`[data-testid=messages] tr[data-message="${id}"] button`).click();
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.locator('#toast').getByText('Redriven: 1').waitFor();
    const got = await call<{ messages: { id: string; deliveries: number; body: unknown }[] }>(
      'POST',
      `${queueUrl()}/queue/consume`,
      {
        topic: 'console-dlq',
        max: 1,
        waitMs: 5000,
      },
    );
    expect(got.body.messages).toEqual([expect.objectContaining({ id, deliveries: 1, body: { order: 7 } })]);
  });

  it('looks up a cache key: value, TTL and every node’s MESI state', async () => {
    const put = await call('PUT', `${cluster.url('cache', 'node2')}/cache/console-greeting`, {
      value: 'hello',
      ttlMs: 600_000,
    });
    expect(put.status).toBe(200);
    await page.goto(`${consoleUrl()}#/cache?key=console-greeting`);
    await page.waitForFunction(() => document.querySelector('[data-testid=cache-value]')?.textContent === '"hello"');
    expect(await text(page, '[data-testid=cache-ttl]')).toMatch(/Expires in \d+ min/);
    expect(await text(page, '[data-testid=cache-states]')).toMatch(/node2\s*M/);
    await page.waitForFunction(() =>
      /node2.*\d/.test(document.querySelector('[data-testid=cache-lines]')?.textContent ?? ''),
    );
  });

  it('shows a new lock leader after the leader is killed, without a reload', async () => {
    await page.goto(`${consoleUrl()}#/cluster`);
    const before = (await call<{ raft: { leader: string } }>('GET', `${lockUrl()}/cluster`)).body.raft.leader;
    await page.waitForFunction((l) => document.querySelector('[data-testid=lock-leader]')?.textContent === l, before);
    const marker = await page.evaluate(() => ((window as unknown as { marker: number }).marker = Math.random()));
    const pid = (await call<{ pid: number }>('GET', `${lockUrl(before)}/health`)).body.pid;
    process.kill(pid, 'SIGKILL');
    await page.waitForFunction(
      (l) => {
        const now = document.querySelector('[data-testid=lock-leader]')?.textContent;
        return now !== undefined && now !== l && now !== 'none';
      },
      before,
      { timeout: 30_000 },
    );
    expect(await text(page, '[data-testid=events]')).toContain(`lock leader: ${before} →`);
    // Same document: the page changed by itself.
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker);
    await eventually(async () => (await fetch(`${lockUrl(before)}/health`)).ok, 30_000, 250);
  });
});

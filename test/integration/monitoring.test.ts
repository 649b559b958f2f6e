import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventually, getJson, postJson, requestJson, TestCluster, testPortOffset } from '../support/local-cluster.js';
import { requiredTool } from '../support/tools.js';

// The local cluster with a real Prometheus and both exporters, started the way
// `npm run monitor` starts them. Traffic goes through all three services
// (including the paths that only failures take: a lease that expires, a
// deadlock, dead letters, a stale receipt, cache evictions); then every target
// must be up, every query of every Grafana dashboard must be valid and return
// series, and every metric a daemon exposes must be in docs/metrics.md.

const ROOT = resolve(__dirname, '..', '..');
const DASHBOARDS = join(ROOT, 'ansible', 'roles', 'grafana', 'files', 'dashboards');
const NODES = ['node1', 'node2', 'node3'];
const ROLES = ['lock', 'queue', 'cache'];
const PROMETHEUS_PORT = 9090;
const prometheusBin = requiredTool('prometheus');
// Without Prometheus installed the suite reports itself skipped; CI installs it.
const suite = prometheusBin ? describe : describe.skip;

interface PromAnswer<T> {
  status: string;
  data: T;
  error?: string;
}

/** Every Prometheus query of a dashboard: panel targets (rows included) and annotations. */
function dashboardQueries(dashboard: Record<string, unknown>): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const title = String(dashboard.title);
  const walk = (panels: unknown) => {
    for (const p of (panels as Record<string, unknown>[] | undefined) ?? []) {
      for (const t of (p.targets as { expr?: string }[] | undefined) ?? [])
        if (t.expr) out.push({ where: `${title} / ${String(p.title)}`, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  const annotations = (
    (dashboard.annotations as { list?: { name?: string; expr?: string }[] } | undefined)?.list ?? []
  ).filter((a) => a.expr);
  for (const a of annotations) out.push({ where: `${title} / annotation ${String(a.name)}`, expr: a.expr! });
  return out;
}

/** Grafana's variables as a query would see them over the last minutes, any node. */
function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '5m')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?/g, '.*');
}

/** `dss_` metric name → type, from `# TYPE` lines of a /metrics page. */
function exposedTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (dss_[a-z0-9_]+) (\w+)$/gm)) types.set(m[1]!, m[2]!);
  return types;
}

/** The catalogue's rows: section (role or 'every') → metric → type. */
function catalogue(): Map<string, Map<string, string>> {
  const text = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
  const sections = new Map<string, Map<string, string>>();
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^## (Every role|Lock role|Queue role|Cache role)/.exec(line);
    if (heading) section = heading[1]!.split(' ')[0]!.toLowerCase();
    const row = /^\| `(dss_[a-z0-9_]+)` \| (\w+) \|/.exec(line);
    if (row && section) {
      if (!sections.has(section)) sections.set(section, new Map());
      sections.get(section)!.set(row[1]!, row[2]!);
    }
  }
  return sections;
}

suite('monitoring: Prometheus, exporters and dashboards on the local cluster', () => {
  jest.setTimeout(240_000);
  const cluster = new TestCluster(testPortOffset() + 80, { DSS_CACHE_MAX_ENTRIES: '8' });
  const prometheus = `http://127.0.0.1:${PROMETHEUS_PORT + cluster.offset}`;
  const url = (role: string, node: string) => cluster.url(role, node);
  const query = async <T>(path: string) => (await getJson<PromAnswer<T>>(`${prometheus}${path}`, 10_000)).body;

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
    const monitor = spawnSync(process.execPath, [join(ROOT, 'dist', 'scripts', 'monitor.js')], {
      cwd: ROOT,
      env: { ...process.env, ...cluster.env, DSS_MONITOR_SCRAPE_INTERVAL_S: '1' },
      encoding: 'utf8',
    });
    if (monitor.status !== 0) throw new Error(`npm run monitor failed:\n${monitor.stdout}${monitor.stderr}`);
    expect(monitor.stdout).toContain(prometheus);
  });
  afterAll(() => cluster.dispose());

  it('scrapes every daemon and both exporters', async () => {
    await eventually(
      async () => {
        const t = await query<{ activeTargets: { labels: Record<string, string>; health: string }[] }>(
          '/api/v1/targets',
        );
        const jobs = t.data.activeTargets.map((a) => a.labels.job);
        return (
          t.data.activeTargets.every((a) => a.health === 'up') &&
          t.data.activeTargets.length === 9 + 3 &&
          jobs.includes('redis') &&
          jobs.includes('node')
        );
      },
      30_000,
      500,
    );
    const up = await query<{ result: { metric: Record<string, string> }[] }>(
      `/api/v1/query?query=${encodeURIComponent('up{job=~"dss-.*"} == 1')}`,
    );
    expect(up.data.result.map((r) => `${r.metric.role}/${r.metric.node}`).sort()).toEqual(
      ROLES.flatMap((r) => NODES.map((n) => `${r}/${n}`)).sort(),
    );
  });

  it('loads the alert rules', async () => {
    const rules = await query<{ groups: { name: string; rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules',
    );
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThan(5);
    expect(all.filter((r) => r.health === 'err')).toEqual([]);
  });

  it('lists every metric the daemons expose in docs/metrics.md, with its type', async () => {
    const documented = catalogue();
    const every = documented.get('every')!;
    for (const role of ROLES) {
      const exposed = exposedTypes(await (await fetch(`${url(role, 'node1')}/metrics`)).text());
      const expected = new Map([...every, ...documented.get(role)!]);
      const undocumented = [...exposed]
        .filter(([name, type]) => expected.get(name) !== type)
        .map(([n, t]) => `${n} (${t})`);
      const missing = [...expected].filter(([name]) => !exposed.has(name)).map(([n]) => n);
      expect({ role, undocumented, missing }).toEqual({ role, undocumented: [], missing: [] });
    }
  });

  it('answers every query of every dashboard with series, after traffic through all three services', async () => {
    await driveTraffic(url);
    const dashboards = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThanOrEqual(5);
    const queries = dashboards.flatMap((f) =>
      dashboardQueries(JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Record<string, unknown>),
    );
    expect(queries.length).toBeGreaterThan(40);
    const failures = new Map<string, string>();
    // Rates need two scrapes after the traffic; give every query a little while.
    await eventually(
      async () => {
        for (const q of queries) {
          const key = `${q.where}: ${q.expr}`;
          const res = await fetch(
            `${prometheus}/api/v1/query?query=${encodeURIComponent(substituteVariables(q.expr))}`,
          );
          const body = (await res.json()) as PromAnswer<{ result: unknown[] }>;
          if (body.status !== 'success') failures.set(key, `invalid: ${body.error}`);
          else if (body.data.result.length === 0) failures.set(key, 'no series');
          else failures.delete(key);
        }
        return failures.size === 0;
      },
      30_000,
      2000,
    ).catch(() => undefined);
    expect([...failures].map(([k, v]) => `${k} -> ${v}`)).toEqual([]);
  });
});

/** Traffic that makes every DSS metric (and label) the dashboards use appear. */
async function driveTraffic(url: (role: string, node: string) => string): Promise<void> {
  const lock = (node: string, op: string, body: object) => postJson(`${url('lock', node)}/lock/${op}`, body);
  // Locks: grants, a waiter, a lease that expires, a deadlock refused, a conflict.
  for (let i = 0; i < 20; i++) {
    await lock(NODES[i % 3]!, 'acquire', { resource: `m-${i % 4}`, owner: `o${i}`, ttlMs: 5000 });
    await lock(NODES[i % 3]!, 'release', { resource: `m-${i % 4}`, owner: `o${i}` });
  }
  await lock('node1', 'acquire', { resource: 'short', owner: 'a', ttlMs: 300 });
  await lock('node2', 'acquire', { resource: 'short', owner: 'b', waitMs: 0 });
  const waiter = lock('node3', 'acquire', { resource: 'short', owner: 'c', waitMs: 3000, ttlMs: 5000 });
  await lock('node1', 'acquire', { resource: 'd1', owner: 'x', ttlMs: 10_000 });
  await lock('node1', 'acquire', { resource: 'd2', owner: 'y', ttlMs: 10_000 });
  const xWaits = lock('node2', 'acquire', { resource: 'd2', owner: 'x', waitMs: 2000 });
  await new Promise((r) => setTimeout(r, 200));
  await lock('node3', 'acquire', { resource: 'd1', owner: 'y', waitMs: 2000 });
  await Promise.all([waiter, xWaits]);

  // Queue: publish, consume, ack; a nack redelivered; dead letters; a stale receipt.
  const q = (node: string, op: string, body: object) =>
    postJson<{ messages: { receipt: string }[] }>(`${url('queue', node)}/queue/${op}`, body);
  for (let i = 0; i < 30; i++) await q(NODES[i % 3]!, 'publish', { topic: 'orders', message: { i } });
  const got = await q('node2', 'consume', { topic: 'orders', max: 30 });
  const receipts = got.body.messages.map((m) => m.receipt);
  await q('node3', 'ack', { topic: 'orders', receipts: receipts.slice(1) });
  await q('node3', 'ack', { topic: 'orders', receipt: receipts[1] }); // stale: acked already
  await q('node1', 'nack', { topic: 'orders', receipt: receipts[0], delayMs: 0 });
  await q('node1', 'publish', { topic: 'poison', message: 'x' });
  for (let i = 0; i < 5; i++) {
    const m = await q('node1', 'consume', { topic: 'poison', waitMs: 2000 });
    if (m.body.messages[0])
      await q('node1', 'nack', { topic: 'poison', receipt: m.body.messages[0].receipt, delayMs: 0 });
  }
  await q('node1', 'publish', { topic: 'backlog', messages: [1, 2, 3] });
  const left = await q('node2', 'consume', { topic: 'orders', max: 10, waitMs: 1000 });
  await q('node2', 'ack', { topic: 'orders', receipts: left.body.messages.map((m) => m.receipt) });

  // Cache: writes, reads from other nodes (downgrades, invalidations), deletes, evictions (8-line caches), a flush.
  const c = (method: string, node: string, key: string, body?: object) =>
    requestJson(method, `${url('cache', node)}/cache/${key}`, body);
  for (let i = 0; i < 24; i++) {
    const node = NODES[i % 3]!;
    await c('PUT', node, `k${i}`, { value: i });
    await c('GET', NODES[(i + 1) % 3]!, `k${i}`);
    await c('PUT', NODES[(i + 2) % 3]!, `k${i}`, { value: -i });
    await c('GET', node, `k${i}`);
  }
  await c('DELETE', 'node1', 'k1');
  await c('GET', 'node2', 'nothing-here');
  for (const n of NODES) await postJson(`${url('cache', n)}/cache/flush`, {});
}

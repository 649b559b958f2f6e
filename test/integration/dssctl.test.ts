import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually, getJson, pm2, TestCluster } from '../support/local-cluster.js';

// dssctl, the built command line (bin/dssctl.js -> dist/apps/dssctl/src/main.js),
// run as a child process against a real local cluster: every command with
// --json, its JSON document and its exit code.

const REPO_ROOT = resolve(__dirname, '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'dssctl.js');
/** This suite's ports: 8131-8133 lock, 8141-8143 queue, 8151-8153 cache, Redis 6509. */
const PORT_OFFSET = 130;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('dssctl against a local cluster', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(PORT_OFFSET);
  const clusterFile = join(cluster.home, 'cluster.json'); // written by the launcher, as npm start does
  // An empty HOME: no ~/.config/dssctl/config.json of whoever runs the tests.
  const home = mkdtempSync(join(tmpdir(), 'dssctl-home-'));

  function run(args: readonly string[], opts: { stdin?: string; withCluster?: boolean } = {}): Promise<Run> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('DSSCTL_') && k !== 'DSS_PORT_OFFSET') env[k] = v;
    env.HOME = home;
    env.XDG_CONFIG_HOME = join(home, '.config');
    const argv = [BIN, ...(opts.withCluster === false ? [] : ['--cluster', clusterFile]), ...args];
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, argv, {
        cwd: REPO_ROOT,
        env,
        stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', fail);
      child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
      if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
    });
  }

  /** Runs with --json; stdout must be exactly one JSON document. */
  async function runJson<T = Record<string, unknown>>(
    args: readonly string[],
    opts: { stdin?: string; withCluster?: boolean } = {},
  ): Promise<Run & { json: T }> {
    const r = await run([...args, '--json'], opts);
    let json: T;
    try {
      json = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(
        `dssctl ${args.join(' ')} printed no single JSON document (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
      );
    }
    return { ...r, json };
  }

  const ok = <T extends Run>(r: T): T => {
    if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
  }, 180_000);
  afterAll(async () => {
    await cluster.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  describe('status', () => {
    interface Status {
      healthy: boolean;
      daemons: {
        role: string;
        node: string | null;
        url: string;
        health: string;
        reachable: boolean;
        latencyMs: number | null;
        lock?: { state: string; term: number };
        cache?: { total: number };
      }[];
      lock: { leader: string | null; term: number | null };
    }

    it('reports all 9 daemons healthy, the lock leader and its term, exit 0', async () => {
      const r = ok(await runJson<Status>(['status']));
      expect(r.json.healthy).toBe(true);
      expect(r.json.daemons).toHaveLength(9);
      for (const role of ['lock', 'queue', 'cache']) {
        const of = r.json.daemons.filter((d) => d.role === role);
        expect(of.map((d) => d.node).sort()).toEqual(['node1', 'node2', 'node3']);
        for (const d of of)
          expect(d).toMatchObject({ health: 'healthy', reachable: true, latencyMs: expect.any(Number) });
      }
      expect(r.json.lock.leader).toMatch(/^node[123]$/);
      expect(r.json.lock.term).toBeGreaterThanOrEqual(1);
      const leader = r.json.daemons.find((d) => d.role === 'lock' && d.node === r.json.lock.leader)!;
      expect(leader.lock).toMatchObject({ state: 'leader', term: r.json.lock.term });
      expect(r.json.daemons.filter((d) => d.role === 'cache').every((d) => typeof d.cache?.total === 'number')).toBe(
        true,
      );
    });

    it('prints the tables for people', async () => {
      const r = ok(await run(['status']));
      expect(r.stdout).toMatch(/^lock\nNODE +URL +HEALTH +LATENCY +STATE +TERM +LEADER +COMMIT\n/);
      expect(r.stdout).toContain('http://127.0.0.1:8153  healthy');
      expect(r.stdout).toMatch(/9\/9 daemons healthy; lock leader node[123] \(term \d+\)/);
    });
  });

  describe('lock', () => {
    it('acquire, show, renew, release; LOCKED for another owner (exit 4); release of an unheld lock (exit 3)', async () => {
      const acquired = ok(
        await runJson<{ acquired: boolean; owner: string; fencingToken: number; expiresInMs: number }>([
          'lock',
          'acquire',
          'orders',
          '--owner',
          'w1',
          '--ttl',
          '30s',
        ]),
      );
      expect(acquired.json).toMatchObject({
        acquired: true,
        resource: 'orders',
        owner: 'w1',
        mode: 'exclusive',
        fencingToken: expect.any(Number),
      });
      expect(acquired.json.expiresInMs).toBeGreaterThan(25_000);

      const shown = ok(
        await runJson<{ holders: { owner: string; fencingToken: number }[] }>(['lock', 'show', 'orders']),
      );
      expect(shown.json.holders).toEqual([
        expect.objectContaining({ owner: 'w1', mode: 'exclusive', fencingToken: acquired.json.fencingToken }),
      ]);
      const listed = ok(
        await runJson<{ resources: { resource: string; holders: unknown[] }[]; truncated: boolean }>([
          'lock',
          'list',
          '--prefix',
          'ord',
        ]),
      );
      expect(listed.json).toEqual({ resources: [{ ...shown.json, holders: expect.any(Array) }], truncated: false });

      const locked = await runJson<{ error: { code: string; exitCode: number; holders: { owner: string }[] } }>([
        'lock',
        'acquire',
        'orders',
        '--owner',
        'w2',
      ]);
      expect(locked.code).toBe(4);
      expect(locked.json.error).toMatchObject({
        code: 'LOCKED',
        exitCode: 4,
        holders: [expect.objectContaining({ owner: 'w1' })],
      });
      expect(locked.stderr).toMatch(/^dssctl: LOCKED: .*\(held by w1 exclusive token \d+\)\n$/);

      const renewed = ok(
        await runJson<{ renewed: boolean; expiresInMs: number }>([
          'lock',
          'renew',
          'orders',
          '--owner',
          'w1',
          '--ttl',
          '60s',
        ]),
      );
      expect(renewed.json.renewed).toBe(true);
      expect(renewed.json.expiresInMs).toBeGreaterThan(50_000);

      expect(ok(await runJson(['lock', 'release', 'orders', '--owner', 'w1'])).json).toEqual({
        resource: 'orders',
        owner: 'w1',
        released: true,
      });
      expect((await runJson<{ holders: unknown[] }>(['lock', 'show', 'orders'])).json.holders).toEqual([]);

      const unheld = await runJson<{ error: { code: string } }>(['lock', 'release', 'orders', '--owner', 'w1']);
      expect(unheld.code).toBe(3);
      expect(unheld.json.error.code).toBe('NOT_FOUND');
      expect(unheld.stderr).toMatch(/^dssctl: NOT_FOUND: /);

      // Now w2 gets it, with a larger fencing token.
      const second = ok(await runJson<{ fencingToken: number }>(['lock', 'acquire', 'orders', '--owner', 'w2']));
      expect(second.json.fencingToken).toBeGreaterThan(acquired.json.fencingToken);
      ok(await run(['lock', 'release', 'orders', '--owner', 'w2']));
    });
  });

  describe('queue', () => {
    interface Delivery {
      id: string;
      receipt: string;
      body: unknown;
      deliveries: number;
    }

    it('publish (arguments and stdin), stats, consume, ack', async () => {
      const published = ok(
        await runJson<{ ids: string[] }>(['queue', 'publish', 'orders', '{"order":42}', '{"order":43}']),
      );
      expect(published.json.ids).toHaveLength(2);
      const piped = ok(
        await runJson<{ ids: string[] }>(['queue', 'publish', 'orders'], { stdin: '"line one"\n\n{"order":44}\n' }),
      );
      expect(piped.json.ids).toHaveLength(2);
      expect(ok(await runJson(['queue', 'stats', 'orders'])).json).toMatchObject({
        topic: 'orders',
        owner: expect.stringMatching(/^node[123]$/),
        ready: 4,
        inflight: 0,
        dead: 0,
      });

      const consumed = ok(
        await runJson<{ messages: Delivery[] }>([
          'queue',
          'consume',
          'orders',
          '--max',
          '10',
          '--visibility',
          '30s',
          '--wait',
          '2s',
        ]),
      );
      expect(consumed.json.messages.map((m) => m.body)).toEqual([
        { order: 42 },
        { order: 43 },
        'line one',
        { order: 44 },
      ]);
      expect(consumed.json.messages.map((m) => m.id)).toEqual([...published.json.ids, ...piped.json.ids]);
      expect(ok(await runJson(['queue', 'stats', 'orders'])).json).toMatchObject({ ready: 0, inflight: 4 });

      const acked = ok(await runJson(['queue', 'ack', 'orders', ...consumed.json.messages.map((m) => m.receipt)]));
      expect(acked.json).toEqual({ topic: 'orders', acked: 4, stale: [] });
      const again = await runJson<{ error: { code: string } }>([
        'queue',
        'ack',
        'orders',
        consumed.json.messages[0]!.receipt,
      ]);
      expect(again.code).toBe(4);
      expect(again.json.error.code).toBe('STALE_RECEIPT');
      expect(ok(await runJson(['queue', 'stats', 'orders'])).json).toMatchObject({ ready: 0, inflight: 0 });
    });

    it('nack puts a delivery back; past 5 deliveries it is a dead letter; dead and redrive', async () => {
      ok(await runJson(['queue', 'publish', 'poison', '"bad"']));
      for (let n = 1; n <= 5; n++) {
        const got = ok(
          await runJson<{ messages: Delivery[] }>([
            'queue',
            'consume',
            'poison',
            '--visibility',
            '20s',
            '--wait',
            '5s',
          ]),
        );
        expect(got.json.messages.map((m) => [m.body, m.deliveries])).toEqual([['bad', n]]);
        const nacked = ok(
          await runJson<{ nacked: boolean; outcome: string }>([
            'queue',
            'nack',
            'poison',
            got.json.messages[0]!.receipt,
            '--delay',
            '0',
          ]),
        );
        expect(nacked.json).toMatchObject({ nacked: true, outcome: n < 5 ? 'ready' : 'dead' });
      }
      await eventually(
        async () => (await runJson<{ dead: number }>(['queue', 'stats', 'poison'])).json.dead === 1,
        10_000,
        200,
      );
      expect(ok(await runJson<{ messages: Delivery[] }>(['queue', 'consume', 'poison'])).json.messages).toEqual([]);

      const dead = ok(await runJson<{ topic: string; messages: Delivery[] }>(['queue', 'dead', 'poison']));
      expect(dead.json.messages).toEqual([expect.objectContaining({ body: 'bad', deliveries: 5 })]);
      // By id: the one named comes back; an id that is no dead letter exits 3 (NOT_FOUND).
      const some = await runJson<{ topic: string; redriven: number; notFound: string[] }>([
        'queue',
        'redrive',
        'poison',
        dead.json.messages[0]!.id,
        'no-such-id',
      ]);
      expect([some.code, some.json]).toEqual([3, { topic: 'poison', redriven: 1, notFound: ['no-such-id'] }]);
      expect(ok(await runJson(['queue', 'redrive', 'poison'])).json).toEqual({ topic: 'poison', redriven: 0 });
      expect(ok(await runJson(['queue', 'stats', 'poison'])).json).toMatchObject({ ready: 1, dead: 0 });
      const back = ok(await runJson<{ messages: Delivery[] }>(['queue', 'consume', 'poison', '--ack']));
      expect(back.json.messages).toEqual([expect.objectContaining({ body: 'bad', deliveries: 1 })]);
      expect(ok(await runJson(['queue', 'purge', 'poison'])).json).toEqual({ topic: 'poison', purged: 0 });
    });

    it('a delayed nack holds the message back', async () => {
      ok(await runJson(['queue', 'publish', 'later', '1']));
      const got = ok(await runJson<{ messages: Delivery[] }>(['queue', 'consume', 'later']));
      expect(
        ok(await runJson(['queue', 'nack', 'later', got.json.messages[0]!.receipt, '--delay', '1m'])).json,
      ).toMatchObject({ outcome: 'delayed' });
      expect(ok(await runJson(['queue', 'stats', 'later'])).json).toMatchObject({ ready: 0, delayed: 1 });
    });

    it('topics and browse show what is there without consuming it', async () => {
      ok(await runJson(['queue', 'publish', 'cli-browse', '"b1"', '"b2"']));
      const topics = ok(
        await runJson<{ topics: { topic: string; ready: number }[]; truncated: boolean }>([
          'queue',
          'topics',
          '--prefix',
          'cli-browse',
        ]),
      );
      expect(topics.json).toEqual({
        topics: [expect.objectContaining({ topic: 'cli-browse', ready: 2 })],
        truncated: false,
      });
      const seen = ok(await runJson<{ messages: Delivery[] }>(['queue', 'browse', 'cli-browse', '--limit', '1']));
      expect(seen.json.messages.map((m) => [m.body, m.deliveries])).toEqual([['b1', 0]]);
      expect(ok(await runJson(['queue', 'stats', 'cli-browse'])).json).toMatchObject({ ready: 2, inflight: 0 });
    });

    it('publish with --group, --priority and --fence-token; an older token exits 4 with FENCED', async () => {
      ok(await runJson(['queue', 'publish', 'cli-groups', '"a1"', '"a2"', '--group', 'a', '--fence-token', '5']));
      ok(await runJson(['queue', 'publish', 'cli-groups', '"urgent"', '--priority', '9', '--fence-token', '5']));
      const fenced = await runJson<{ error: { code: string; fence: number } }>([
        'queue',
        'publish',
        'cli-groups',
        '"late"',
        '--fence-token',
        '4',
      ]);
      expect([fenced.code, fenced.json.error]).toEqual([4, expect.objectContaining({ code: 'FENCED' })]);
      expect(ok(await runJson(['queue', 'stats', 'cli-groups'])).json).toMatchObject({
        ready: 2,
        waiting: 1,
        groups: 1,
        fence: 5,
      });
      const got = ok(await runJson<{ messages: Delivery[] }>(['queue', 'consume', 'cli-groups', '--max', '10']));
      expect(got.json.messages.map((m) => m.body)).toEqual(['urgent', 'a1']);
    });
  });

  describe('cache', () => {
    it('put, get, coherence across nodes, flush, del; a missing key exits 3', async () => {
      const node = (n: number) => `http://127.0.0.1:${8150 + n}`;
      expect(ok(await runJson(['cache', 'put', 'greeting', '"hello"', '--cache', node(1)])).json).toEqual({
        key: 'greeting',
        state: 'M',
      });
      expect(ok(await runJson(['cache', 'get', 'greeting', '--cache', node(1)])).json).toMatchObject({
        key: 'greeting',
        value: 'hello',
        state: 'M',
      });

      const c1 = ok(
        await runJson<{ home: string; states: Record<string, string> }>(['cache', 'coherence', 'greeting']),
      );
      expect(c1.json.states).toEqual({ node1: 'M', node2: 'I', node3: 'I' });
      expect(c1.json.home).toMatch(/^node[123]$/);
      // A read on node 2 shares the line.
      expect(ok(await runJson(['cache', 'get', 'greeting', '--cache', node(2)])).json).toMatchObject({
        value: 'hello',
        state: 'S',
      });
      expect(
        ok(await runJson<{ states: Record<string, string> }>(['cache', 'coherence', 'greeting'])).json.states,
      ).toEqual({ node1: 'S', node2: 'S', node3: 'I' });

      ok(await runJson(['cache', 'put', 'draft', '{"v":1}', '--cache', node(3)]));
      const one = ok(
        await runJson<{ flushed: number; nodes: { url: string; flushed: number }[] }>([
          'cache',
          'flush',
          '--node',
          node(3),
        ]),
      );
      expect(one.json.nodes).toEqual([{ url: node(3), flushed: expect.any(Number) }]);
      expect(one.json.flushed).toBeGreaterThanOrEqual(0);
      const all = ok(await runJson<{ nodes: { url: string }[] }>(['cache', 'flush']));
      expect(all.json.nodes.map((n) => n.url).sort()).toEqual([node(1), node(2), node(3)]);

      expect(ok(await runJson(['cache', 'del', 'greeting'])).json).toEqual({ key: 'greeting', deleted: true });
      const missing = await runJson<{ error: { code: string; exitCode: number } }>(['cache', 'get', 'greeting']);
      expect(missing.code).toBe(3);
      expect(missing.json.error).toMatchObject({ code: 'NOT_FOUND', exitCode: 3 });
      expect(missing.stderr).toBe('dssctl: NOT_FOUND: key "greeting" is not in the cache\n');
      expect((await run(['cache', 'del', 'greeting'])).code).toBe(3);
    });
  });

  describe('bench', () => {
    it.each(['lock', 'queue', 'cache'])(
      'bench %s runs for the duration and reports ops and latencies',
      async (workload) => {
        const r = ok(
          await runJson<{
            workload: string;
            ops: number;
            opsPerSec: number;
            errors: number;
            elapsedS: number;
            latencyMs: { p50: number; p95: number; p99: number; max: number };
          }>(['bench', workload, '--duration', '1', '--concurrency', '4']),
        );
        expect(r.json.workload).toBe(workload);
        expect(r.json.ops).toBeGreaterThan(0);
        expect(r.json.opsPerSec).toBeGreaterThan(0);
        expect(r.json.elapsedS).toBeGreaterThanOrEqual(1);
        expect(r.json.latencyMs.p50).toBeGreaterThan(0);
        expect(r.json.latencyMs.p50).toBeLessThanOrEqual(r.json.latencyMs.p99);
        expect(r.json.latencyMs.p99).toBeLessThanOrEqual(r.json.latencyMs.max);
        expect(r.stderr).toBe(''); // no progress bar without a terminal
      },
    );

    it('leaves the bench topic empty', async () => {
      expect(ok(await runJson(['queue', 'stats', 'dssctl-bench'])).json).toMatchObject({ ready: 0, inflight: 0 });
    });
  });

  describe('usage', () => {
    it('--help of a subcommand exits 0 and sends nothing', async () => {
      const r = await run(['queue', 'publish', '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: dssctl queue publish [options] <topic> [message...]');
      expect(r.stdout).toContain('--dedup-id <id>');
    });

    it('a usage error exits 2 with a JSON error document', async () => {
      const missing = await runJson<{ error: { code: string; message: string; exitCode: number } }>([
        'lock',
        'acquire',
      ]);
      expect(missing.code).toBe(2);
      expect(missing.json.error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        exitCode: 2,
        message: expect.stringContaining("missing required argument 'resource'"),
      });
      const badTtl = await run(['lock', 'acquire', 'x', '--ttl', 'soon']);
      expect(badTtl.code).toBe(2);
      expect(badTtl.stderr).toMatch(/^dssctl: INVALID_ARGUMENT: --ttl: "soon" is not a duration/);
    });

    it('a 400 from the server exits 2 too', async () => {
      const r = await runJson<{ error: { code: string; status: number } }>(['queue', 'stats', 'no spaces allowed']);
      expect(r.code).toBe(2);
      expect(r.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', status: 400 });
    });

    it('nothing reachable exits 5', async () => {
      // Nothing listens on 8139 (within this suite's port offset).
      const r = await runJson<{ error: { code: string } }>(['lock', 'show', 'x', '--lock', 'http://127.0.0.1:8139'], {
        withCluster: false,
      });
      expect(r.code).toBe(5);
      expect(r.json.error.code).toBe('UNAVAILABLE');
    });

    it('endpoints shows where they came from', async () => {
      const cfg = join(home, 'dssctl.json');
      writeFileSync(cfg, JSON.stringify({ cache: ['http://127.0.0.1:8153'], timeoutMs: 4000 }));
      const r = ok(
        await runJson<Record<string, { urls: string[]; source: string }> & { timeoutMs: number }>(
          ['endpoints', '--config', cfg, '--queue', 'http://127.0.0.1:8142'],
          { withCluster: false },
        ),
      );
      expect(r.json.queue).toEqual({ urls: ['http://127.0.0.1:8142'], source: '--queue' });
      expect(r.json.cache).toEqual({ urls: ['http://127.0.0.1:8153'], source: `config ${cfg}` });
      expect(r.json.lock).toEqual({
        urls: ['http://127.0.0.1:8001', 'http://127.0.0.1:8002', 'http://127.0.0.1:8003'],
        source: 'local cluster',
      });
      expect(r.json.timeoutMs).toBe(4000);
    });
  });

  // Last: it stops a daemon.
  describe('status with a daemon down', () => {
    it('exits 5 while one daemon is stopped, and 0 again once it is back', async () => {
      pm2(cluster, 'stop', 'dss-queue-node2');
      try {
        const r = await runJson<{
          healthy: boolean;
          daemons: { role: string; url: string; health: string; reachable: boolean }[];
        }>(['status']);
        expect(r.code).toBe(5);
        expect(r.json.healthy).toBe(false);
        expect(r.json.daemons.filter((d) => d.health !== 'healthy')).toEqual([
          expect.objectContaining({
            role: 'queue',
            url: 'http://127.0.0.1:8142',
            health: 'unreachable',
            reachable: false,
          }),
        ]);
        expect(r.stderr).toBe(
          'dssctl: UNAVAILABLE: 1 daemon of 9 not healthy: queue http://127.0.0.1:8142 (unreachable)\n',
        );
      } finally {
        pm2(cluster, 'start', 'dss-queue-node2');
      }
      await eventually(
        async () => (await getJson(`${cluster.url('queue', 'node2')}/ready`)).status === 200,
        30_000,
        200,
      );
      expect((await run(['status'])).code).toBe(0);
    });
  });
});

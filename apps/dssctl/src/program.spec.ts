import { FencedError, LockedError, NotFoundError, StaleReceiptError, UnavailableError } from '@dss/client';
import type { CliClient, ClientConfig, Delivery, EndpointStatus, TopicStats } from './client-port.js';
import type { CliDeps } from './context.js';
import { EXIT } from './exit-codes.js';
import { runCli, wantsJson } from './program.js';

// The whole command line against a fake client: arguments reach the client as
// the API wants them, output is rendered, failures become exit codes.

const grant = {
  acquired: true as const,
  resource: 'orders',
  owner: 'op@host',
  mode: 'exclusive' as const,
  fencingToken: 7,
  expiresInMs: 30_000,
};

function fakeClient() {
  return {
    endpoints: { lock: ['http://l:1'], queue: ['http://q:1'], cache: ['http://c:1'] },
    lock: {
      acquire: jest.fn(async () => grant),
      release: jest.fn(async () => ({ released: true as const })),
      renew: jest.fn(async () => ({ renewed: true as const, expiresInMs: 60_000 })),
      show: jest.fn(async (resource: string) => ({
        resource,
        holders: [{ owner: 'w1', mode: 'exclusive' as const, fencingToken: 7, expiresInMs: 1500 }],
        waiters: [{ owner: 'w2', mode: 'shared' as const }],
      })),
      list: jest.fn(async (_req: { prefix?: string; limit?: number }) => ({
        resources: [
          {
            resource: 'orders/1',
            permits: 1,
            holders: [
              { owner: 'w1', mode: 'shared' as const, fencingToken: 7, expiresInMs: 1500 },
              { owner: 'w3', mode: 'shared' as const, fencingToken: 8, expiresInMs: 1500 },
            ],
            waiters: [{ owner: 'w2', mode: 'exclusive' as const }],
          },
          {
            resource: 'pool',
            permits: 3,
            holders: [{ owner: 'w4', mode: 'exclusive' as const, fencingToken: 9, expiresInMs: 900 }],
            waiters: [],
          },
        ],
        truncated: true,
      })),
      acquireSet: jest.fn(async (req: { owner: string; locks: readonly { resource: string; mode?: string }[] }) => ({
        acquired: true as const,
        owner: req.owner,
        fencingToken: 9,
        locks: req.locks.map((l) => ({
          resource: l.resource,
          mode: l.mode === 'shared' ? ('shared' as const) : ('exclusive' as const),
          fencingToken: 9,
          expiresInMs: 30_000,
        })),
      })),
      releaseSet: jest.fn(async () => ({ released: ['a'], notHeld: ['b'] })),
      renewSet: jest.fn(async () => ({
        renewed: true as const,
        locks: [{ resource: 'a', fencingToken: 9, expiresInMs: 60_000 }],
      })),
    },
    queue: {
      publish: jest.fn(async (req: { message?: unknown; messages?: readonly unknown[] }) => ({
        ids: (req.messages ?? [req.message]).map((_, i) => `id-${i}`),
      })),
      consume: jest.fn(async (_req: { topic: string; max?: number }): Promise<Delivery[]> => [
        { id: 'm1', receipt: 'r1', body: { order: 42 }, deliveries: 1, publishedAt: Date.UTC(2026, 0, 2, 3, 4, 5) },
        { id: 'm2', receipt: 'r2', body: 'text', deliveries: 3, publishedAt: Date.UTC(2026, 0, 2, 3, 4, 6) },
      ]),
      ackAndConsume: jest.fn(async (req: { ack: readonly string[] }) => ({
        acked: req.ack.length - 1,
        stale: req.ack.slice(-1),
        messages: [{ id: 'm3', receipt: 'r3', body: 3, deliveries: 1, publishedAt: Date.UTC(2026, 0, 2, 3, 4, 7) }],
      })),
      ack: jest.fn(async () => ({ acked: 1, stale: [] as string[] })),
      nack: jest.fn(async () => ({ nacked: true, outcome: 'delayed' })),
      stats: jest.fn(async (topic: string): Promise<TopicStats> => ({
        topic,
        owner: 'node2',
        ready: 3,
        inflight: 1,
        delayed: 0,
        dead: 2,
      })),
      dead: jest.fn(async (topic: string) => ({
        topic,
        messages: [{ id: 'd1', body: 'bad', publishedAt: 0, deliveries: 5 }],
      })),
      redrive: jest.fn(async (topic: string) => ({ topic, redriven: 2 })),
      topics: jest.fn(async () => ({
        topics: [
          { topic: 'orders', owner: 'node2', ready: 3, inflight: 1, delayed: 0, dead: 2, waiting: 0, groups: 0 },
        ],
        truncated: true,
      })),
      browse: jest.fn(async (topic: string) => ({
        topic,
        state: 'delayed',
        messages: [{ id: 'm1', body: { n: 1 }, publishedAt: 0, deliveries: 0, deliverAt: 60_000 }],
      })),
      redriveIds: jest.fn(async (topic: string, ids: readonly string[]) => ({
        topic,
        redriven: ids.length - 1,
        notFound: ids.slice(-1),
      })),
      purgeDead: jest.fn(async (topic: string) => ({ topic, purged: 7 })),
    },
    cache: {
      get: jest.fn(
        async (key: string): Promise<{ key: string; value: unknown; state: 'M' | 'E' | 'S' | 'I' } | undefined> => ({
          key,
          value: { hello: 'world' },
          state: 'S',
        }),
      ),
      put: jest.fn(async (key: string) => ({ key, state: 'M' as const })),
      del: jest.fn(async () => true),
      coherence: jest.fn(async (key: string) => ({
        key,
        home: 'node3',
        states: { node1: 'M' as const, node2: 'I' as const, node3: 'I' as const },
      })),
      flush: jest.fn(async (url?: string) =>
        url
          ? [{ url, flushed: 2 }]
          : [
              { url: 'http://c:1', flushed: 2 },
              { url: 'http://c:2', flushed: 1 },
            ],
      ),
    },
    status: jest.fn(async (): Promise<EndpointStatus[]> => healthyCluster()),
  };
}
type Fake = ReturnType<typeof fakeClient>;

function daemon(role: 'lock' | 'queue' | 'cache', n: number, extra: Record<string, unknown>): EndpointStatus {
  const port = { lock: 8001, queue: 8011, cache: 8021 }[role] + n - 1;
  return {
    role,
    url: `http://127.0.0.1:${port}`,
    reachable: true,
    healthy: true,
    latencyMs: 1.5,
    cluster: {
      cluster: 'dss-local',
      role,
      node: { id: `node${n}`, host: '127.0.0.1', httpPort: port, peerPort: port + 1000 },
      peers: [],
      ...extra,
    },
  };
}

function healthyCluster(): EndpointStatus[] {
  return [
    ...[1, 2, 3].map((n) =>
      daemon('lock', n, {
        raft: { state: n === 2 ? 'leader' : 'follower', term: 4, leader: 'node2', commitIndex: 17, lastApplied: 17 },
      }),
    ),
    ...[1, 2, 3].map((n) =>
      daemon('queue', n, { queue: { redis: 'ready', ring: {}, owns: n === 1 ? ['orders', 'poison'] : [] } }),
    ),
    ...[1, 2, 3].map((n) =>
      daemon('cache', n, {
        cache: { redis: 'ready', lines: { total: n, bytes: 10, M: n === 1 ? 1 : 0, E: 0, S: n - 1, I: 0 } },
      }),
    ),
  ];
}

interface RunOptions {
  readonly stdin?: string;
  readonly stdinIsTTY?: boolean;
  readonly env?: Record<string, string>;
  readonly files?: Record<string, string>;
}

async function run(argv: string[], client: Fake = fakeClient(), opts: RunOptions = {}) {
  let out = '';
  let err = '';
  const configs: ClientConfig[] = [];
  const files = opts.files ?? {};
  const deps: CliDeps = {
    io: {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      readStdin: async () => opts.stdin ?? '',
      stdinIsTTY: opts.stdinIsTTY ?? true,
    },
    env: opts.env ?? {},
    files: {
      exists: (p) => p in files,
      read: (p) => {
        if (!(p in files)) throw new Error(`ENOENT: ${p}`);
        return files[p]!;
      },
    },
    homedir: '/home/op',
    createClient: (c) => {
      configs.push(c);
      return client as unknown as CliClient;
    },
    version: '9.9.9',
    defaultOwner: 'op@host',
  };
  const code = await runCli(argv, deps);
  return { code, out, err, configs, client, json: () => JSON.parse(out) as Record<string, unknown> };
}

describe('help, version and usage errors', () => {
  it('prints help on stdout with exit 0, for the program and for a subcommand, without a client', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^Usage: dssctl \[options\] \[command\]/);
    for (const cmd of ['status', 'lock', 'queue', 'cache', 'bench', 'endpoints'])
      expect(top.out).toContain(`  ${cmd} `);
    const sub = await run(['queue', 'consume', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.out).toContain('Usage: dssctl queue consume [options] <topic>');
    expect(sub.out).toMatch(/--visibility <duration>/);
    expect(sub.out).toMatch(/Global Options:[\s\S]*--cluster <file>[\s\S]*--json/);
    expect(sub.configs).toEqual([]);
  });

  it('prints the version', async () => {
    const r = await run(['--version']);
    expect([r.code, r.out]).toEqual([0, '9.9.9\n']);
  });

  it('shows help on stderr and exits 2 when no command is given', async () => {
    for (const argv of [[], ['lock']]) {
      const r = await run(argv);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.err).toContain('Usage: dssctl');
      expect(r.out).toBe('');
    }
  });

  it.each([
    [['frob'], /^dssctl: INVALID_ARGUMENT: unknown command 'frob' \(see dssctl --help\)\n$/],
    [
      ['lock', 'acquire', 'orders', '--colour'],
      /^dssctl: INVALID_ARGUMENT: unknown option '--colour' \(see dssctl lock acquire --help\)\n$/,
    ],
    [
      ['lock', 'acquire'],
      /^dssctl: INVALID_ARGUMENT: missing required argument 'resource' \(see dssctl lock acquire --help\)\n$/,
    ],
    [
      ['--lock', 'http://x:1', 'lock', 'acquire', 'r', '--ttl', 'soon'],
      /^dssctl: INVALID_ARGUMENT: --ttl: "soon" is not a duration/,
    ],
    [
      ['lock', 'acquire', 'r', '--mode', 'solo'],
      /^dssctl: INVALID_ARGUMENT: option '--mode <mode>' argument 'solo' is invalid\. Allowed choices are exclusive, shared\./,
    ],
    [['queue', 'consume', 't', '--max', '0'], /^dssctl: INVALID_ARGUMENT: --max: "0" must be a whole number from 1 up/],
    [
      ['bench', 'lock', '--concurrency', 'many'],
      /^dssctl: INVALID_ARGUMENT: --concurrency: "many" must be a whole number/,
    ],
    [['bench', 'cache', '--duration', '10ms'], /^dssctl: INVALID_ARGUMENT: --duration: must be at least 100ms/],
    [['--timeout', '0', 'status'], /^dssctl: INVALID_ARGUMENT: --timeout: must be at least 1 ms/],
    [['--lock', 'ftp://x', 'lock', 'show', 'r'], /^dssctl: INVALID_ARGUMENT: --lock: "ftp:\/\/x" must be an http/],
    [['cache', 'flush', '--node', 'http://c:1/x'], /^dssctl: INVALID_ARGUMENT: --node: .* without a path/],
  ])('refuses %j with exit 2 and sends nothing', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    for (const fn of [
      r.client.lock.acquire,
      r.client.lock.show,
      r.client.queue.consume,
      r.client.cache.flush,
      r.client.status,
    ])
      expect(fn).not.toHaveBeenCalled();
  });

  it('prints a JSON error document on stdout as well with --json', async () => {
    const r = await run(['lock', 'acquire', '--json']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.json()).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining("missing required argument 'resource'"),
        exitCode: 2,
      },
    });
    expect(r.err).toMatch(/^dssctl: INVALID_ARGUMENT: /);
  });

  it('knows --json from argv, but not after --', () => {
    expect(wantsJson(['status', '--json'])).toBe(true);
    expect(wantsJson(['queue', 'publish', 't', '--', '--json'])).toBe(false);
  });
});

describe('connection options', () => {
  it('accept global options after the subcommand and hand them to the client factory', async () => {
    const r = await run([
      'lock',
      'show',
      'orders',
      '--lock',
      'http://10.0.0.1:8001,10.0.0.2:8001',
      '--timeout',
      '2s',
      '--token',
      'secret',
    ]);
    expect(r.code).toBe(0);
    expect(r.configs).toHaveLength(1);
    expect(r.configs[0]).toMatchObject({
      endpoints: { lock: ['http://10.0.0.1:8001', 'http://10.0.0.2:8001'] },
      timeoutMs: 2000,
      token: 'secret',
    });
  });

  it('reads the cluster file and reports where endpoints come from (endpoints)', async () => {
    const cluster = JSON.stringify({
      nodes: [
        {
          id: 'vm1',
          host: '192.168.56.11',
          ports: {
            lock: { http: 8001, peer: 9001 },
            queue: { http: 8011, peer: 9011 },
            cache: { http: 8021, peer: 9021 },
          },
        },
      ],
    });
    const r = await run(['endpoints', '--json', '--queue', 'http://q:1'], fakeClient(), {
      env: { DSSCTL_CLUSTER: '/var/lib/dss/cluster.json', DSSCTL_TOKEN: 't' },
      files: { '/var/lib/dss/cluster.json': cluster },
    });
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      lock: { urls: ['http://192.168.56.11:8001'], source: 'DSSCTL_CLUSTER /var/lib/dss/cluster.json' },
      queue: { urls: ['http://q:1'], source: '--queue' },
      cache: { urls: ['http://192.168.56.11:8021'], source: 'DSSCTL_CLUSTER /var/lib/dss/cluster.json' },
      timeoutMs: null,
      token: 'set',
      configFile: null,
    });
    expect(r.configs).toEqual([]); // no client: nothing is sent
  });
});

describe('status', () => {
  it('prints one table per role and exits 0 when every daemon is healthy', async () => {
    const r = await run(['status']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      [
        'lock',
        'NODE   URL                    HEALTH   LATENCY  STATE     TERM  LEADER  COMMIT',
        'node1  http://127.0.0.1:8001  healthy   1.5 ms  follower     4  node2       17',
        'node2  http://127.0.0.1:8002  healthy   1.5 ms  leader       4  node2       17',
      ].join('\n'),
    );
    expect(r.out).toContain('node1  http://127.0.0.1:8011  healthy   1.5 ms  ready  2: orders,poison');
    expect(r.out).toContain('NODE   URL                    HEALTH   LATENCY  REDIS  M  E  S  I  TOTAL');
    expect(r.out).toContain('node3  http://127.0.0.1:8023  healthy   1.5 ms  ready  0  0  2  0      3');
    expect(r.out).toContain('9/9 daemons healthy; lock leader node2 (term 4)');
    expect(r.err).toBe('');
  });

  it('exits 5 (unavailable) when a daemon does not answer, and says which', async () => {
    const client = fakeClient();
    client.status.mockResolvedValue(
      healthyCluster().map((s) =>
        s.url.endsWith(':8023')
          ? { role: 'cache', url: s.url, reachable: false, healthy: false, error: 'GET /health: connect ECONNREFUSED' }
          : s,
      ),
    );
    const r = await run(['status'], client);
    expect(r.code).toBe(EXIT.UNAVAILABLE);
    expect(r.out).toContain('?      http://127.0.0.1:8023  unreachable');
    expect(r.out).toContain('8/9 daemons healthy');
    expect(r.err).toBe('dssctl: UNAVAILABLE: 1 daemon of 9 not healthy: cache http://127.0.0.1:8023 (unreachable)\n');
    const j = await run(['status', '--json'], client);
    expect(j.code).toBe(EXIT.UNAVAILABLE);
    const doc = j.json() as {
      healthy: boolean;
      daemons: { url: string; health: string; error?: string }[];
      lock: unknown;
    };
    expect(doc.healthy).toBe(false);
    expect(doc.daemons).toHaveLength(9);
    expect(doc.daemons.find((d) => d.url.endsWith(':8023'))).toMatchObject({
      health: 'unreachable',
      error: 'GET /health: connect ECONNREFUSED',
    });
    expect(doc.lock).toEqual({ leader: 'node2', term: 4 });
  });

  it('counts a daemon that answers /health with an error as unhealthy', async () => {
    const client = fakeClient();
    client.status.mockResolvedValue(
      healthyCluster().map((s) =>
        s.url.endsWith(':8001') ? { ...s, healthy: false, error: 'GET /health answered HTTP 503' } : s,
      ),
    );
    const r = await run(['status', '--json'], client);
    expect(r.code).toBe(EXIT.UNAVAILABLE);
    expect((r.json() as { daemons: { health: string }[] }).daemons[0]!.health).toBe('unhealthy');
  });
});

describe('lock', () => {
  it('acquire sends owner, mode, ttl and wait, and prints the grant', async () => {
    const r = await run([
      'lock',
      'acquire',
      'orders',
      '--ttl',
      '1m',
      '--wait',
      '5s',
      '--mode',
      'shared',
      '--owner',
      'w1',
    ]);
    expect(r.code).toBe(0);
    expect(r.client.lock.acquire).toHaveBeenCalledWith(
      { resource: 'orders', owner: 'w1', mode: 'shared', ttlMs: 60_000, waitMs: 5000 },
      expect.anything(),
    );
    expect(r.out).toContain('fencing token:  7');
    expect(r.out).toContain('expires in:     30.0 s');
  });

  it("acquire defaults: user@host, exclusive, try once, the server's TTL; --json prints the grant as is", async () => {
    const r = await run(['lock', 'acquire', 'orders', '--json']);
    expect(r.client.lock.acquire).toHaveBeenCalledWith(
      { resource: 'orders', owner: 'op@host', mode: 'exclusive', waitMs: 0 },
      expect.anything(),
    );
    expect(r.json()).toEqual(grant);
  });

  it('acquire of a held lock exits 4 and names the holder', async () => {
    const client = fakeClient();
    client.lock.acquire.mockRejectedValue(
      new LockedError('orders is held', {
        status: 409,
        details: { holders: [{ owner: 'w1', mode: 'exclusive', fencingToken: 7, expiresInMs: 900 }] },
      }),
    );
    const r = await run(['lock', 'acquire', 'orders', '--json'], client);
    expect(r.code).toBe(EXIT.CONFLICT);
    expect(r.err).toBe('dssctl: LOCKED: orders is held (held by w1 exclusive token 7)\n');
    expect(r.json()).toEqual({
      error: {
        code: 'LOCKED',
        message: 'orders is held',
        exitCode: 4,
        status: 409,
        holders: [{ owner: 'w1', mode: 'exclusive', fencingToken: 7, expiresInMs: 900 }],
      },
    });
  });

  it('release of a lock not held exits 3', async () => {
    const client = fakeClient();
    client.lock.release.mockRejectedValue(new NotFoundError('orders by op@host is not held', { status: 404 }));
    const r = await run(['lock', 'release', 'orders'], client);
    expect(r.code).toBe(EXIT.NOT_FOUND);
    expect(r.err).toBe('dssctl: NOT_FOUND: orders by op@host is not held\n');
  });

  it('release and renew send the owner (and the new ttl)', async () => {
    const rel = await run(['lock', 'release', 'orders', '--owner', 'w1', '--json']);
    expect(rel.client.lock.release).toHaveBeenCalledWith({ resource: 'orders', owner: 'w1' }, expect.anything());
    expect(rel.json()).toEqual({ resource: 'orders', owner: 'w1', released: true });
    const ren = await run(['lock', 'renew', 'orders', '--ttl', '90s']);
    expect(ren.client.lock.renew).toHaveBeenCalledWith(
      { resource: 'orders', owner: 'op@host', ttlMs: 90_000 },
      expect.anything(),
    );
    expect(ren.out).toBe('renewed orders (owner op@host); expires in 60.0 s\n');
  });

  it('acquire --permits asks for a semaphore permit', async () => {
    const r = await run(['lock', 'acquire', 'db-pool', '--permits', '5']);
    expect(r.client.lock.acquire).toHaveBeenCalledWith(
      { resource: 'db-pool', owner: 'op@host', mode: 'exclusive', waitMs: 0, permits: 5 },
      expect.anything(),
    );
    const bad = await run(['lock', 'acquire', 'db-pool', '--permits', '0']);
    expect(bad.code).toBe(EXIT.USAGE);
  });

  it('acquire-set reads name, name=shared and name=N; release-set and renew-set send the list', async () => {
    const r = await run(['lock', 'acquire-set', 'acct:1', 'report=shared', 'db-pool=5', 'a=b', '--wait', '2s']);
    expect(r.code).toBe(0);
    expect(r.client.lock.acquireSet).toHaveBeenCalledWith(
      {
        owner: 'op@host',
        locks: [
          { resource: 'acct:1', mode: 'exclusive' },
          { resource: 'report', mode: 'shared' },
          { resource: 'db-pool', mode: 'exclusive', permits: 5 },
          { resource: 'a=b', mode: 'exclusive' },
        ],
        waitMs: 2000,
      },
      expect.anything(),
    );
    expect(r.out).toContain('acquired 4 locks (owner op@host, fencing token 9)');
    const rel = await run(['lock', 'release-set', 'a', 'b']);
    expect(rel.client.lock.releaseSet).toHaveBeenCalledWith(
      { owner: 'op@host', resources: ['a', 'b'] },
      expect.anything(),
    );
    expect(rel.out).toBe('released a (owner op@host); not held: b\n');
    const ren = await run(['lock', 'renew-set', 'a', '--ttl', '1m', '--json']);
    expect(ren.client.lock.renewSet).toHaveBeenCalledWith(
      { owner: 'op@host', resources: ['a'], ttlMs: 60_000 },
      expect.anything(),
    );
    expect(ren.json()).toMatchObject({ renewed: true, locks: [{ resource: 'a', fencingToken: 9 }] });
  });

  it('list passes --prefix and --limit and prints one row per resource, saying when more match', async () => {
    const r = await run(['lock', 'list', '--prefix', 'orders/', '--limit', '2']);
    expect(r.client.lock.list).toHaveBeenCalledWith({ prefix: 'orders/', limit: 2 }, expect.anything());
    expect(r.out).toBe(
      [
        'RESOURCE  KIND         HOLDERS                   WAITERS',
        'orders/1  lock         w1 (shared), w3 (shared)        1',
        'pool      semaphore 3  w4                              0',
        '(more match; narrow --prefix or raise --limit)',
        '',
      ].join('\n'),
    );
    const all = await run(['lock', 'list', '--json']);
    expect(all.client.lock.list).toHaveBeenCalledWith({}, expect.anything());
    expect(all.json()).toMatchObject({ truncated: true, resources: [{ resource: 'orders/1' }, { resource: 'pool' }] });
  });

  it('list refuses a --limit out of range with exit 2 and sends nothing', async () => {
    for (const bad of ['0', '1001', 'x']) {
      const r = await run(['lock', 'list', '--limit', bad]);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.client.lock.list).not.toHaveBeenCalled();
    }
  });

  it('show lists holders and waiters', async () => {
    const r = await run(['lock', 'show', 'orders']);
    expect(r.out).toBe(
      [
        'orders: held',
        'OWNER  MODE       TOKEN  EXPIRES IN',
        'w1     exclusive      7       1.5 s',
        'waiters (in order):',
        'OWNER  MODE',
        'w2     shared',
        '',
      ].join('\n'),
    );
  });
});

describe('queue', () => {
  it('publish sends one JSON argument as message, several as messages', async () => {
    const one = await run(['queue', 'publish', 'orders', '{"order":42}', '--json']);
    expect(one.client.queue.publish).toHaveBeenCalledWith(
      { topic: 'orders', message: { order: 42 } },
      expect.anything(),
    );
    expect(one.json()).toEqual({ topic: 'orders', ids: ['id-0'] });
    const two = await run(['queue', 'publish', 'orders', '1', '"two"', '--delay', '30s', '--dedup-id', 'batch-1']);
    expect(two.client.queue.publish).toHaveBeenCalledWith(
      { topic: 'orders', messages: [1, 'two'], delayMs: 30_000, dedupId: 'batch-1' },
      expect.anything(),
    );
    expect(two.out).toBe('published 2 messages to orders\n  id-0\n  id-1\n');
  });

  it('publish passes --group, --priority and --fence-token; refuses bad ones and --group with --delay', async () => {
    const ok = await run([
      'queue',
      'publish',
      'orders',
      '1',
      '--group',
      'c-17',
      '--priority',
      '9',
      '--fence-token',
      '12',
    ]);
    expect(ok.client.queue.publish).toHaveBeenCalledWith(
      { topic: 'orders', message: 1, group: 'c-17', priority: 9, fence: { token: 12 } },
      expect.anything(),
    );
    for (const args of [
      ['--priority', '10'],
      ['--priority', 'high'],
      ['--fence-token', '0'],
      ['--group', 'g', '--delay', '1s'],
    ]) {
      const bad = await run(['queue', 'publish', 'orders', '1', ...args]);
      expect([args, bad.code]).toEqual([args, EXIT.USAGE]);
      expect(bad.client.queue.publish).not.toHaveBeenCalled();
    }
  });

  it('publish refuses arguments that are not JSON unless --raw, and sends nothing', async () => {
    const bad = await run(['queue', 'publish', 'orders', 'hello']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err).toMatch(/message 1 is not valid JSON: hello/);
    expect(bad.client.queue.publish).not.toHaveBeenCalled();
    const raw = await run(['queue', 'publish', 'orders', '--raw', 'hello', 'world']);
    expect(raw.client.queue.publish).toHaveBeenCalledWith(
      { topic: 'orders', messages: ['hello', 'world'] },
      expect.anything(),
    );
  });

  it('publish reads stdin lines, or --file, and batches by 1000', async () => {
    const piped = await run(['queue', 'publish', 'orders'], fakeClient(), {
      stdinIsTTY: false,
      stdin: '{"a":1}\n\n"b"\r\n',
    });
    expect(piped.client.queue.publish).toHaveBeenCalledWith(
      { topic: 'orders', messages: [{ a: 1 }, 'b'] },
      expect.anything(),
    );
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ i })).join('\n');
    const file = await run(['queue', 'publish', 'orders', '--file', '/tmp/m.ndjson', '--json'], fakeClient(), {
      files: { '/tmp/m.ndjson': lines },
    });
    expect(file.client.queue.publish.mock.calls.map((c) => (c[0] as { messages: unknown[] }).messages.length)).toEqual([
      1000, 1000, 500,
    ]);
    expect((file.json() as { ids: string[] }).ids).toHaveLength(2500);
    expect(file.out).not.toContain('"error"');
  });

  it('publish tells the user how to give messages when there are none', async () => {
    const tty = await run(['queue', 'publish', 'orders']);
    expect(tty.code).toBe(EXIT.USAGE);
    expect(tty.err).toMatch(
      /no message: give JSON messages as arguments, with --file <path>, or one per line on stdin/,
    );
    const empty = await run(['queue', 'publish', 'orders'], fakeClient(), { stdinIsTTY: false, stdin: '\n' });
    expect(empty.code).toBe(EXIT.USAGE);
    const tooMany = await run(['queue', 'publish', 'o', '--dedup-id', 'x', '--file', '/f'], fakeClient(), {
      files: { '/f': '1\n'.repeat(1001) },
    });
    expect(tooMany.code).toBe(EXIT.USAGE);
    expect(tooMany.err).toMatch(/--dedup-id covers one publish of at most 1000 messages/);
    const badLine = await run(['queue', 'publish', 'o', '--file', '/f'], fakeClient(), {
      files: { '/f': '1\nnope\n' },
    });
    expect(badLine.err).toMatch(/\/f line 2 is not valid JSON/);
  });

  it('consume sends max, visibility and wait, and lists the deliveries with receipts', async () => {
    const r = await run(['queue', 'consume', 'orders', '--max', '5', '--visibility', '2m', '--wait', '3s']);
    expect(r.client.queue.consume).toHaveBeenCalledWith(
      { topic: 'orders', max: 5, visibilityMs: 120_000, waitMs: 3000 },
      expect.anything(),
    );
    expect(r.out).toBe(
      [
        'ID  DELIVERIES  PUBLISHED                 RECEIPT  BODY',
        'm1           1  2026-01-02T03:04:05.000Z  r1       {"order":42}',
        'm2           3  2026-01-02T03:04:06.000Z  r2       "text"',
        '',
      ].join('\n'),
    );
    expect(r.client.queue.ack).not.toHaveBeenCalled();
  });

  it('consume --ack acknowledges what it received', async () => {
    const client = fakeClient();
    client.queue.ack.mockResolvedValue({ acked: 2, stale: [] });
    const r = await run(['queue', 'consume', 'orders', '--ack', '--json'], client);
    expect(client.queue.ack).toHaveBeenCalledWith({ topic: 'orders', receipts: ['r1', 'r2'] }, expect.anything());
    expect(r.json()).toMatchObject({
      topic: 'orders',
      messages: [{ id: 'm1' }, { id: 'm2' }],
      acked: { acked: 2, stale: [] },
    });
  });

  it('consume --ack-first acks earlier receipts in the same request, and exits 4 on a stale one', async () => {
    const r = await run(['queue', 'consume', 'orders', '--ack-first', 'r1,r2', '--max', '2']);
    expect(r.client.queue.ackAndConsume).toHaveBeenCalledWith(
      { topic: 'orders', max: 2, waitMs: 0, ack: ['r1', 'r2'] },
      expect.anything(),
    );
    expect(r.client.queue.consume).not.toHaveBeenCalled();
    expect(r.code).toBe(EXIT.CONFLICT);
    expect(r.out).toContain('acked first 1 of 2; stale: r2\n');
    expect(r.out).toContain('m3');
    const bad = await run(['queue', 'consume', 'orders', '--ack-first', 'r1,,r2']);
    expect(bad.code).not.toBe(0);
    expect(bad.client.queue.ackAndConsume).not.toHaveBeenCalled();
  });

  it('ack sends one receipt alone and several together; a stale one exits 4', async () => {
    const one = await run(['queue', 'ack', 'orders', 'r1']);
    expect(one.client.queue.ack).toHaveBeenCalledWith({ topic: 'orders', receipt: 'r1' }, expect.anything());
    expect([one.code, one.out]).toEqual([0, 'acked 1 of 1\n']);

    const client = fakeClient();
    client.queue.ack.mockResolvedValue({ acked: 1, stale: ['r2'] });
    const two = await run(['queue', 'ack', 'orders', 'r1', 'r2', '--json'], client);
    expect(client.queue.ack).toHaveBeenCalledWith({ topic: 'orders', receipts: ['r1', 'r2'] }, expect.anything());
    expect(two.code).toBe(EXIT.CONFLICT);
    expect(two.json()).toEqual({ topic: 'orders', acked: 1, stale: ['r2'] });
    expect(two.err).toMatch(/^dssctl: STALE_RECEIPT: 1 receipt of 2 no longer valid/);

    const staleClient = fakeClient();
    staleClient.queue.ack.mockRejectedValue(new StaleReceiptError('the receipt is no longer valid', { status: 409 }));
    expect((await run(['queue', 'ack', 'orders', 'r9'], staleClient)).code).toBe(EXIT.CONFLICT);
  });

  it('nack, stats, dead and redrive', async () => {
    const nack = await run(['queue', 'nack', 'orders', 'r1', '--delay', '10s']);
    expect(nack.client.queue.nack).toHaveBeenCalledWith(
      { topic: 'orders', receipt: 'r1', delayMs: 10_000 },
      expect.anything(),
    );
    expect(nack.out).toBe('nacked; the message is now delayed\n');
    const stats = await run(['queue', 'stats', 'orders', '--json']);
    expect(stats.json()).toEqual({ topic: 'orders', owner: 'node2', ready: 3, inflight: 1, delayed: 0, dead: 2 });
    const fenced = fakeClient();
    fenced.queue.stats.mockResolvedValueOnce({
      topic: 'orders',
      owner: 'node2',
      ready: 3,
      inflight: 1,
      delayed: 0,
      dead: 2,
      waiting: 4,
      groups: 1,
      fence: 12,
    });
    const text = await run(['queue', 'stats', 'orders'], fenced);
    expect(text.out).toContain('waiting:   4\ngroups:    1\nfence:     12\n');
    const dead = await run(['queue', 'dead', 'orders']);
    expect(dead.out).toContain('d1           5  1970-01-01T00:00:00.000Z  "bad"');
    const redrive = await run(['queue', 'redrive', 'orders', '--json']);
    expect(redrive.json()).toEqual({ topic: 'orders', redriven: 2 });
  });

  it('topics, browse, redrive by ids and purge', async () => {
    const topics = await run(['queue', 'topics', '--prefix', 'ord', '--limit', '5']);
    expect(topics.client.queue.topics).toHaveBeenCalledWith({ prefix: 'ord', limit: 5 }, expect.anything());
    expect(topics.out).toContain('orders  node2');
    expect(topics.out).toContain('more topics match');
    expect((await run(['queue', 'topics', '--limit', '1001'])).code).toBe(EXIT.USAGE);

    const browse = await run(['queue', 'browse', 'orders', '--state', 'delayed', '--limit', '10']);
    expect(browse.client.queue.browse).toHaveBeenCalledWith(
      'orders',
      { state: 'delayed', limit: 10 },
      expect.anything(),
    );
    expect(browse.out).toContain('DELIVER AT');
    expect(browse.out).toContain('1970-01-01T00:01:00.000Z');
    expect((await run(['queue', 'browse', 'orders', '--state', 'dead'])).code).toBe(EXIT.USAGE);

    const some = await run(['queue', 'redrive', 'orders', 'm1', 'm2']);
    expect(some.client.queue.redriveIds).toHaveBeenCalledWith('orders', ['m1', 'm2'], expect.anything());
    expect(some.client.queue.redrive).not.toHaveBeenCalled();
    expect(some.out).toContain('redrove 1 message of orders back to ready\nnot dead letters of orders: m2\n');
    expect(some.code).toBe(EXIT.NOT_FOUND);
    const tooMany = await run(['queue', 'redrive', 'orders', ...Array.from({ length: 101 }, (_, i) => `m${i}`)]);
    expect(tooMany.code).toBe(EXIT.USAGE);
    expect(tooMany.client.queue.redriveIds).not.toHaveBeenCalled();

    const purge = await run(['queue', 'purge', 'orders']);
    expect(purge.client.queue.purgeDead).toHaveBeenCalledWith('orders', expect.anything());
    expect(purge.out).toBe('purged 7 dead letters of orders\n');
  });
});

describe('cache', () => {
  it('get prints the entry; a missing key exits 3', async () => {
    const hit = await run(['cache', 'get', 'greeting']);
    expect(hit.out).toBe('key:    greeting\nvalue:  {"hello":"world"}\nstate:  S\n');
    const client = fakeClient();
    client.cache.get.mockResolvedValue(undefined);
    const miss = await run(['cache', 'get', 'nope', '--json'], client);
    expect(miss.code).toBe(EXIT.NOT_FOUND);
    expect(miss.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'key "nope" is not in the cache', exitCode: 3, key: 'nope' },
    });
  });

  it('put sends a JSON value, --raw text, or stdin', async () => {
    const json = await run(['cache', 'put', 'k', '{"n":1}']);
    expect(json.client.cache.put).toHaveBeenCalledWith('k', { n: 1 }, expect.anything());
    expect(json.out).toBe('stored k (state M)\n');
    const raw = await run(['cache', 'put', 'k', '--raw', 'plain text']);
    expect(raw.client.cache.put).toHaveBeenCalledWith('k', 'plain text', expect.anything());
    const piped = await run(['cache', 'put', 'k'], fakeClient(), { stdinIsTTY: false, stdin: '[1,2]\n' });
    expect(piped.client.cache.put).toHaveBeenCalledWith('k', [1, 2], expect.anything());
    const bad = await run(['cache', 'put', 'k', 'hello']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.client.cache.put).not.toHaveBeenCalled();
  });

  it('put and del pass --fence; a bad token is a usage error; FENCED exits 4', async () => {
    const put = await run(['cache', 'put', 'k', '1', '--fence', '42']);
    expect(put.client.cache.put).toHaveBeenCalledWith('k', 1, expect.objectContaining({ fence: 42 }));
    const del = await run(['cache', 'del', 'k', '--fence', '43']);
    expect(del.client.cache.del).toHaveBeenCalledWith('k', expect.objectContaining({ fence: 43 }));
    for (const bad of ['0', '-1', '1.5', 'abc', '9007199254740992']) {
      const r = await run(['cache', 'put', 'k', '1', '--fence', bad]);
      expect(r.code).toBe(EXIT.USAGE);
      expect(r.client.cache.put).not.toHaveBeenCalled();
    }
    const client = fakeClient();
    client.cache.put.mockRejectedValue(new FencedError('fencing token 3 is older than the token 7', { status: 409 }));
    const refused = await run(['cache', 'put', 'k', '1', '--fence', '3'], client);
    expect(refused.code).toBe(EXIT.CONFLICT);
    expect(refused.err).toMatch(/^dssctl: FENCED: fencing token 3 is older/);
  });

  it('del exits 3 when the key was not there', async () => {
    const ok = await run(['cache', 'del', 'k', '--json']);
    expect(ok.json()).toEqual({ key: 'k', deleted: true });
    const client = fakeClient();
    client.cache.del.mockResolvedValue(false);
    expect((await run(['cache', 'del', 'k'], client)).code).toBe(EXIT.NOT_FOUND);
  });

  it("coherence shows every node's state and the home", async () => {
    const r = await run(['cache', 'coherence', 'greeting']);
    expect(r.out).toBe(
      'key greeting, home node node3 (its directory)\nNODE          STATE\nnode1         M\nnode2         I\nnode3 (home)  I\n',
    );
  });

  it('flush on every node or on one', async () => {
    const all = await run(['cache', 'flush', '--json']);
    expect(all.client.cache.flush).toHaveBeenCalledWith(undefined, expect.anything());
    expect(all.json()).toEqual({
      flushed: 3,
      nodes: [
        { url: 'http://c:1', flushed: 2 },
        { url: 'http://c:2', flushed: 1 },
      ],
    });
    const one = await run(['cache', 'flush', '--node', '10.0.0.3:8021']);
    expect(one.client.cache.flush).toHaveBeenCalledWith('http://10.0.0.3:8021', expect.anything());
  });
});

describe('errors of the cluster', () => {
  it('maps an unreachable cluster to exit 5 with the attempts in the JSON document', async () => {
    const client = fakeClient();
    client.queue.stats.mockRejectedValue(
      new UnavailableError('no queue endpoint answered', {
        attempts: [{ url: 'http://q:1', error: 'connect ECONNREFUSED' }],
      }),
    );
    const r = await run(['queue', 'stats', 'orders', '--json'], client);
    expect(r.code).toBe(EXIT.UNAVAILABLE);
    expect(r.json()).toEqual({
      error: {
        code: 'UNAVAILABLE',
        message: 'no queue endpoint answered',
        exitCode: 5,
        attempts: [{ url: 'http://q:1', error: 'connect ECONNREFUSED' }],
      },
    });
  });

  it('reports an unexpected failure as exit 1', async () => {
    const client = fakeClient();
    client.cache.coherence.mockRejectedValue(new TypeError('cannot read x'));
    const r = await run(['cache', 'coherence', 'k'], client);
    expect([r.code, r.err]).toEqual([EXIT.UNEXPECTED, 'dssctl: UNEXPECTED: cannot read x\n']);
  });
});

describe('bench', () => {
  it('runs the lock workload and prints the summary as JSON', async () => {
    const client = fakeClient();
    let n = 0;
    client.lock.acquire.mockImplementation(async () => {
      await new Promise((r) => setTimeout(r, 2));
      if (++n % 4 === 0) throw new LockedError('held', { status: 409 });
      return grant;
    });
    const r = await run(['bench', 'lock', '--duration', '300ms', '--concurrency', '3', '--json'], client);
    expect(r.code).toBe(0);
    const s = r.json() as {
      workload: string;
      ops: number;
      errors: number;
      errorsByCode: Record<string, number>;
      concurrency: number;
      latencyMs: { p50: number; p99: number; max: number };
    };
    expect(s).toMatchObject({ workload: 'lock', concurrency: 3 });
    expect(s.ops).toBeGreaterThan(10);
    expect(s.errors).toBe(s.errorsByCode.LOCKED);
    expect(s.errors).toBeGreaterThan(0);
    expect(s.latencyMs.p50).toBeGreaterThan(0);
    expect(s.latencyMs.max).toBeGreaterThanOrEqual(s.latencyMs.p99);
    // Every successful acquire is released by the same owner.
    const acquired = client.lock.acquire.mock.results.length - s.errors;
    expect(client.lock.release).toHaveBeenCalledTimes(acquired);
    expect(s.ops).toBe(acquired + client.lock.release.mock.calls.length);
  });

  it('prints a table without --json, and exits like the errors when nothing succeeded', async () => {
    const client = fakeClient();
    client.cache.get.mockRejectedValue(new UnavailableError('no cache endpoint answered'));
    client.cache.put.mockImplementation(async (key: string) => {
      if (key.startsWith('dssctl-bench-') && client.cache.put.mock.calls.length > 100)
        throw new UnavailableError('down');
      return { key, state: 'M' as const };
    });
    const r = await run(['bench', 'cache', '--duration', '200ms', '--concurrency', '2', '--keys', '100'], client);
    expect(r.code).toBe(EXIT.UNAVAILABLE);
    expect(r.out).toMatch(
      /^bench cache: 80% get \/ 20% put over 100 keys; concurrency 2, 0\.\d s\nOPS {2}OPS\/S {2}ERRORS {2}P50 {2}P95 {2}P99 {2}MAX\n {2}0 {4}0\.0 +\d+ {4}- {4}- {4}- {4}-\nerrors by code: UNAVAILABLE \d+\n$/,
    );
    expect(r.err).toMatch(/^dssctl: UNAVAILABLE: no operation succeeded/);
    expect(client.cache.del).toHaveBeenCalledTimes(100); // the keys are cleaned up
  });

  it('queue workload publishes, consumes and acks, then drains the topic', async () => {
    const client = fakeClient();
    let drained = false;
    client.queue.consume.mockImplementation(async (req) => {
      if (req.max === 1000) {
        if (drained) return [];
        drained = true;
      }
      return [{ id: 'm', receipt: 'r', body: 1, deliveries: 1, publishedAt: 0 }];
    });
    const r = await run(
      ['bench', 'queue', '--duration', '200ms', '--concurrency', '2', '--topic', 'bench-t', '--json'],
      client,
    );
    expect(r.code).toBe(0);
    expect(client.queue.publish).toHaveBeenCalledWith(expect.objectContaining({ topic: 'bench-t' }), expect.anything());
    expect(client.queue.ack).toHaveBeenCalledWith({ topic: 'bench-t', receipts: ['r'] }, expect.anything());
    expect(drained).toBe(true);
    expect((r.json() as { ops: number }).ops).toBe(client.queue.publish.mock.calls.length * 3);
  });
});

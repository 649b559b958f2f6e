import { execFileSync, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { eventually, getJson, requestJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// The cache's Redis-protocol front door on a real local cluster (docs/cache.md, "Redis
// protocol"): redis-cli and ioredis against the three nodes, coherent with the HTTP API,
// expiry seen on every node, counters atomic across nodes, pipelining, and bad frames.

const NODES = ['node1', 'node2', 'node3'] as const;
type NodeId = (typeof NODES)[number];

const hasRedisCli = spawnSync('redis-cli', ['--version']).status === 0;

describe('the cache over the Redis protocol', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 150);
  const respPort = (node: NodeId) => cluster.cluster.nodes.find((n) => n.id === node)!.ports.cache!.resp!;
  const httpUrl = (node: NodeId) => cluster.url('cache', node);
  const clients = new Map<NodeId, Redis>();
  const redis = (node: NodeId) => clients.get(node)!;
  const httpGet = (node: NodeId, key: string) =>
    getJson<{ value?: unknown; ttlMs?: number; encoding?: string; error?: { code: string } }>(
      `${httpUrl(node)}/cache/${encodeURIComponent(key)}`,
    );

  beforeAll(async () => {
    const up = await cluster.start();
    if (up.code !== 0) throw new Error(up.output);
    for (const n of NODES)
      clients.set(
        n,
        new Redis({ port: respPort(n), host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false }),
      );
    await eventually(
      async () =>
        (
          await Promise.all(
            NODES.map((n) =>
              redis(n)
                .ping()
                .catch(() => 'down'),
            ),
          )
        ).every((p) => p === 'PONG'),
      30_000,
      200,
    );
  }, 240_000);

  afterAll(async () => {
    for (const c of clients.values()) c.disconnect();
    await cluster.dispose();
  }, 60_000);

  (hasRedisCli ? it : it.skip)('redis-cli set on one node, curl on another shows it (the README demo)', async () => {
    expect(
      execFileSync('redis-cli', ['-p', String(respPort('node1')), 'set', 'greeting', 'hello'])
        .toString()
        .trim(),
    ).toBe('OK');
    expect((await httpGet('node2', 'greeting')).body.value).toBe('hello');
  });

  it('is coherent with the HTTP API both ways, for strings, JSON values and bytes', async () => {
    await requestJson('PUT', `${httpUrl('node3')}/cache/from-http`, { value: 'héllo' });
    expect(await redis('node1').get('from-http')).toBe('héllo');
    await requestJson('PUT', `${httpUrl('node3')}/cache/json`, { value: { a: [1, 2] } });
    expect(await redis('node2').get('json')).toBe('{"a":[1,2]}');
    await redis('node1').set('from-resp', 'hi');
    expect((await httpGet('node3', 'from-resp')).body.value).toBe('hi');
    // Bytes that are not UTF-8 come back exactly; HTTP shows them in base64.
    const bytes = Buffer.from([0, 255, 13, 10, 128, 7]);
    await redis('node2').set('bytes', bytes);
    expect(await redis('node3').getBuffer('bytes')).toEqual(bytes);
    expect((await httpGet('node1', 'bytes')).body).toMatchObject({
      value: bytes.toString('base64'),
      encoding: 'base64',
    });
    // Overwritten on one node, read on the others at once (the old copies were invalidated).
    await redis('node3').set('from-resp', 'again');
    for (const n of NODES) expect(await redis(n).get('from-resp')).toBe('again');
  });

  it('expires a value on every node, and carries TTLs across protocols', async () => {
    expect(await redis('node1').set('short', 'v', 'PX', 1500)).toBe('OK');
    for (const n of NODES) expect(await redis(n).get('short')).toBe('v');
    const pttl = await redis('node2').pttl('short');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1500);
    expect((await httpGet('node3', 'short')).body.ttlMs).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1600));
    for (const n of NODES) expect(await redis(n).get('short')).toBeNull();
    expect((await httpGet('node2', 'short')).status).toBe(404);
    expect(await redis('node3').ttl('short')).toBe(-2);
    // HTTP ttlMs, EXPIRE and PERSIST.
    await requestJson('PUT', `${httpUrl('node1')}/cache/ttl-http`, { value: 1, ttlMs: 60_000 });
    expect(await redis('node2').ttl('ttl-http')).toBe(60);
    expect(await redis('node3').persist('ttl-http')).toBe(1);
    expect(await redis('node1').ttl('ttl-http')).toBe(-1);
    expect(await redis('node1').expire('ttl-http', 0)).toBe(1);
    expect(await redis('node2').exists('ttl-http')).toBe(0);
  });

  it('adds up concurrent INCRs from all three nodes exactly', async () => {
    const perNode = 150;
    // Two connections per node, so increments also race on one node.
    const extra = NODES.map((n) => new Redis({ port: respPort(n), host: '127.0.0.1' }));
    try {
      const all = [...NODES.map((n) => redis(n)), ...extra];
      await Promise.all(
        all.map(async (c) => {
          for (let i = 0; i < perNode; i++) await c.incr('counter');
        }),
      );
      const http = await requestJson<{ value: number }>('POST', `${httpUrl('node2')}/cache/counter/incr`, { by: 10 });
      expect(http.body.value).toBe(all.length * perNode + 10);
      for (const n of NODES) expect(await redis(n).get('counter')).toBe(String(all.length * perNode + 10));
      await expect(redis('node1').incr('greeting-text')).resolves.toBe(1);
      await redis('node1').set('not-a-number', 'x');
      await expect(redis('node2').incr('not-a-number')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      for (const c of extra) c.disconnect();
    }
  });

  it('answers a pipeline in order, an unknown command with an error, and keeps the connection', async () => {
    const p = redis('node1').pipeline();
    for (let i = 0; i < 50; i++) p.set(`pipe${i}`, String(i));
    p.call('NOSUCHCOMMAND', 'x');
    for (let i = 0; i < 50; i++) p.get(`pipe${i}`);
    const out = (await p.exec())!;
    expect(out.slice(0, 50).every(([err, r]) => err === null && r === 'OK')).toBe(true);
    expect(String(out[50]![0])).toMatch(/ERR unknown command 'NOSUCHCOMMAND'/);
    expect(out.slice(51).map(([, r]) => r)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(await redis('node1').ping()).toBe('PONG');
  });

  it('closes the connection on a malformed frame after answering what came before it, and applies nothing of it', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(respPort('node2'), '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
      // A whole SET, then a SET whose value length is not a number.
      s.write('*3\r\n$3\r\nSET\r\n$5\r\nbad-a\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$5\r\nbad-b\r\n$x\r\n2\r\n');
    });
    expect(reply).toBe('+OK\r\n-ERR Protocol error: invalid bulk length\r\n');
    expect(await redis('node3').get('bad-a')).toBe('1');
    expect(await redis('node3').get('bad-b')).toBeNull();
  });

  it("speaks RESP3 after HELLO 3, and refuses what Redis refuses with Redis's errors", async () => {
    const c = new Redis({ port: respPort('node3'), host: '127.0.0.1' });
    try {
      expect(await c.call('HELLO', '3')).toEqual(expect.arrayContaining(['proto', 3]));
      await expect(c.call('SELECT', '1')).rejects.toThrow('ERR DB index is out of range');
      await expect(c.call('SET', 'k')).rejects.toThrow("ERR wrong number of arguments for 'set' command");
      await expect(c.call('SET', 'k', 'v', 'EX', '0')).rejects.toThrow("ERR invalid expire time in 'set' command");
      await expect(c.call('SET', 'k', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
      await expect(c.call('AUTH', 'secret')).rejects.toThrow('without any password configured');
      await expect(c.set('x'.repeat(513), 'v')).rejects.toThrow('invalid key');
      // A value over the limit anywhere in an MSET: refused before any key is written.
      await expect(c.mset('mset-first', 'a', 'mset-big', Buffer.alloc(512 * 1024 + 1))).rejects.toThrow(
        'more than the limit of 524288',
      );
      expect(await c.exists('mset-first', 'mset-big')).toBe(0);
    } finally {
      c.disconnect();
    }
  });

  (spawnSync('redis-benchmark', ['--version']).status === 0 ? it : it.skip)(
    'runs redis-benchmark get,set,incr to the end without an error',
    () => {
      const out = execFileSync(
        'redis-benchmark',
        ['-p', String(respPort('node1')), '-t', 'get,set,incr', '-n', '3000', '-c', '8', '-q', '--csv'],
        { timeout: 60_000 },
      ).toString();
      expect(out).toMatch(/"SET"/);
      expect(out).toMatch(/"GET"/);
      expect(out).toMatch(/"INCR"/);
      expect(out).not.toMatch(/error/i);
    },
  );
});

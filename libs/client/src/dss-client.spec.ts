import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localClusterDescription, type ClusterDescription } from '@dss/config/pure';
import { DssClient, endpointsFromCluster } from './dss-client.js';
import { ENDPOINTS, FakeFetch } from './fake-fetch.test-kit.js';

describe('DssClient construction', () => {
  it('local() builds the ports of docs/configuration.md, shifted by the offset', () => {
    expect(DssClient.local().endpoints).toEqual({
      lock: ['http://127.0.0.1:8001', 'http://127.0.0.1:8002', 'http://127.0.0.1:8003'],
      queue: ['http://127.0.0.1:8011', 'http://127.0.0.1:8012', 'http://127.0.0.1:8013'],
      cache: ['http://127.0.0.1:8021', 'http://127.0.0.1:8022', 'http://127.0.0.1:8023'],
    });
    expect(DssClient.local({ offset: 100, host: 'localhost' }).endpoints.queue).toEqual([
      'http://localhost:8111',
      'http://localhost:8112',
      'http://localhost:8113',
    ]);
  });

  it("fromCluster() takes each node's host and the http port of each role it runs", () => {
    const cluster: ClusterDescription = {
      name: 'prod',
      nodes: [
        {
          id: 'vm1',
          host: '192.168.57.11',
          ports: { lock: { http: 8001, peer: 9001 }, queue: { http: 8011, peer: 9011 } },
        },
        { id: 'vm2', host: 'fd00::2', ports: { lock: { http: 8001, peer: 9001 }, cache: { http: 8021, peer: 9021 } } },
      ],
    };
    expect(endpointsFromCluster(cluster)).toEqual({
      lock: ['http://192.168.57.11:8001', 'http://[fd00::2]:8001'],
      queue: ['http://192.168.57.11:8011'],
      cache: ['http://[fd00::2]:8021'],
    });
    expect(DssClient.fromCluster(localClusterDescription({ offset: 7 })).endpoints.lock[0]).toBe(
      'http://127.0.0.1:8008',
    );
  });

  it('normalises trailing slashes and refuses a bad URL', () => {
    expect(new DssClient({ endpoints: { lock: ['http://a:1/'], queue: [], cache: [] } }).endpoints.lock).toEqual([
      'http://a:1',
    ]);
    expect(() => new DssClient({ endpoints: { lock: ['a:1'], queue: [], cache: [] } })).toThrow();
  });
});

describe('DssClient.status', () => {
  it('asks /health and /cluster of all 9 endpoints; an unreachable one is a row, not an exception', async () => {
    const fake = new FakeFetch((req) => {
      if (req.base === 'http://queue2:8012') return 'refused';
      if (req.base === 'http://cache3:8023' && req.path === '/health')
        return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'draining' } } };
      const role = req.base.replace(/^http:\/\/([a-z]+)\d.*$/, '$1');
      if (req.path === '/health') return { status: 200, body: { status: 'ok' } };
      return {
        status: 200,
        body: { cluster: 'dss', role, node: { id: 'n', host: 'h', httpPort: 1, peerPort: 2 }, peers: [] },
      };
    });
    const dss = new DssClient({ endpoints: ENDPOINTS, fetch: fake.fetch });
    const rows = await dss.status();
    expect(rows.map((r) => `${r.role} ${r.url}`)).toEqual([
      ...ENDPOINTS.lock.map((u) => `lock ${u}`),
      ...ENDPOINTS.queue.map((u) => `queue ${u}`),
      ...ENDPOINTS.cache.map((u) => `cache ${u}`),
    ]);
    expect(rows[0]).toMatchObject({ reachable: true, healthy: true, cluster: { role: 'lock', cluster: 'dss' } });
    expect(rows[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(rows[0]!.error).toBeUndefined();
    expect(rows[4]).toMatchObject({ url: 'http://queue2:8012', reachable: false, healthy: false });
    expect(rows[4]!.error).toMatch(/ECONNREFUSED/);
    expect(rows[4]!.cluster).toBeUndefined();
    expect(rows[8]).toMatchObject({
      url: 'http://cache3:8023',
      reachable: true,
      healthy: false,
      error: 'GET /health answered HTTP 503',
    });
    // One attempt per request: status() reports, it does not fail over.
    expect(fake.requests).toHaveLength(18);
  });
});

describe('DssClient.fromClusterFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dss-client-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a cluster.json', () => {
    const file = join(dir, 'cluster.json');
    writeFileSync(file, JSON.stringify(localClusterDescription({ offset: 3 })));
    expect(DssClient.fromClusterFile(file).endpoints.cache).toEqual([
      'http://127.0.0.1:8024',
      'http://127.0.0.1:8025',
      'http://127.0.0.1:8026',
    ]);
  });

  it('names the file and the problem when it is missing or invalid', () => {
    expect(() => DssClient.fromClusterFile(join(dir, 'nope.json'))).toThrow(/nope\.json.*ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ nodes: [{ id: 'Bad Id', host: 'h', ports: {} }] }));
    expect(() => DssClient.fromClusterFile(bad)).toThrow(/bad\.json: nodes\.0\.id/);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  describeTopology,
  fetchTopology,
  parseTopology,
  topologyProblems,
  topologyRows,
  topologySummary,
  waitTopology,
  type RedisTopologyView,
} from './redis-topology.js';

const server = (id: string, port: number, role: string, linkUp: boolean | null, reachable = true) => ({
  id,
  host: '127.0.0.1',
  port,
  reachable,
  role,
  linkUp,
  offset: reachable ? 100 : null,
});
const WHOLE = {
  epoch: 0,
  primary: 'node1',
  replicas: ['node2', 'node3'],
  replicasToAck: 1,
  leader: 'node2',
  nodes: [
    server('node1', 6379, 'primary', null),
    server('node2', 6380, 'replica', true),
    server('node3', 6381, 'replica', true),
  ],
};
const view = (json: unknown): RedisTopologyView => parseTopology(json)!;

describe('the /redis document', () => {
  it('parses the contract and rejects other shapes', () => {
    expect(view(WHOLE)).toMatchObject({ epoch: 0, primary: 'node1', replicas: ['node2', 'node3'], leader: 'node2' });
    expect(view(WHOLE).nodes[1]).toEqual({
      id: 'node2',
      host: '127.0.0.1',
      port: 6380,
      reachable: true,
      role: 'replica',
      linkUp: true,
      offset: 100,
    });
    expect(parseTopology({ error: { code: 'NOT_FOUND' } })).toBeUndefined();
    expect(parseTopology({ ...WHOLE, nodes: [{ host: 'x' }] })).toBeUndefined();
    expect(parseTopology(null)).toBeUndefined();
    // Unknown fields and roles are tolerated.
    expect(
      view({ ...WHOLE, leader: null, extra: 1, nodes: [{ ...WHOLE.nodes[0], role: 'sentinel' }] }).nodes[0]!.role,
    ).toBe('unknown');
  });

  it('keeps the last failover event of the lock node that answered', () => {
    const event = { at: '2026-12-05T07:50:00.000Z', what: 'epoch 1: node2 promoted (node1 missed 3 probes)' };
    expect(view({ ...WHOLE, epoch: 1, lastEvent: event }).lastEvent).toEqual(event);
    expect(topologySummary({ kind: 'ok', url: 'http://x/redis', view: view({ ...WHOLE, lastEvent: event }) })[1]).toBe(
      `Last failover event: ${event.at} ${event.what}`,
    );
    expect(view({ ...WHOLE, lastEvent: 'soon' }).lastEvent).toBeUndefined();
  });

  it('is whole when the primary is a primary and every replica has its link up', () => {
    expect(topologyProblems(view(WHOLE))).toEqual([]);
    expect(describeTopology(view(WHOLE))).toBe(
      'epoch 0, primary node1, replicas node2 (link up), node3 (link up), writes wait for 1 replica, lock leader node2',
    );
  });

  it('names what is missing', () => {
    const starting = view({
      ...WHOLE,
      nodes: [
        server('node1', 6379, 'primary', null),
        server('node2', 6380, 'primary', null),
        server('node3', 6381, 'replica', false),
      ],
    });
    expect(topologyProblems(starting)).toEqual([
      'replica node2: is a primary, not attached yet',
      'replica node3: link to node1 down',
    ]);
    const failedOver = view({
      ...WHOLE,
      epoch: 1,
      primary: 'node2',
      replicas: ['node1', 'node3'],
      nodes: [
        { ...server('node1', 6379, 'unknown', null, false), error: 'connect ECONNREFUSED' },
        server('node2', 6380, 'primary', null),
        server('node3', 6381, 'replica', true),
      ],
    });
    expect(topologyProblems(failedOver)).toEqual(['replica node1: unreachable (connect ECONNREFUSED)']);
    expect(describeTopology(failedOver)).toContain(
      'epoch 1, primary node2, replicas node1 (unreachable), node3 (link up)',
    );
    expect(topologyRows(failedOver)).toEqual([
      ['node1', '127.0.0.1:6379', 'replica', 'unreachable', '-', '-'],
      ['node2', '127.0.0.1:6380', 'primary', 'primary', '-', '100'],
      ['node3', '127.0.0.1:6381', 'replica', 'replica', 'up', '100'],
    ]);
    expect(topologyProblems(view({ ...WHOLE, nodes: [server('node1', 6379, 'unknown', null, false)] }))).toEqual([
      'primary node1: unreachable',
      'replica node2: not among the servers probed',
      'replica node3: not among the servers probed',
    ]);
  });
});

describe('asking the lock nodes', () => {
  const servers: Server[] = [];
  /** A lock node stand-in answering GET /redis with `answer()`; resolves to its base URL. */
  async function lockNode(answer: () => { status: number; body: unknown }): Promise<string> {
    const srv = createServer((req, res) => {
      const { status, body } =
        req.url === '/redis' ? answer() : { status: 404, body: { error: { code: 'NOT_FOUND' } } };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });
  const notFound = () => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /redis' } } });

  it('says "absent" when the lock nodes have no /redis, at once', async () => {
    const urls = [await lockNode(notFound), await lockNode(notFound), 'http://127.0.0.1:1'];
    const started = Date.now();
    const answer = await waitTopology(urls, 10_000);
    expect(answer).toEqual({ kind: 'absent' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(topologySummary(answer)[0]).toMatch(/^Redis topology: unknown/);
  });

  it('prefers the highest epoch, and a whole topology within one epoch', async () => {
    const stale = { ...WHOLE, nodes: [WHOLE.nodes[0], server('node2', 6380, 'replica', false), WHOLE.nodes[2]] };
    const urls = [
      await lockNode(() => ({ status: 200, body: stale })),
      await lockNode(() => ({ status: 200, body: WHOLE })),
      await lockNode(() => ({ status: 503, body: {} })),
    ];
    const answer = await fetchTopology(urls);
    expect(answer).toMatchObject({ kind: 'ok', url: `${urls[1]}/redis` });
    const newer = await lockNode(() => ({ status: 200, body: { ...stale, epoch: 1 } }));
    expect(await fetchTopology([...urls, newer])).toMatchObject({
      kind: 'ok',
      url: `${newer}/redis`,
      view: { epoch: 1 },
    });
  });

  it('waits until the replicas are linked, and gives up with what is missing', async () => {
    let calls = 0;
    const url = await lockNode(() => {
      calls++;
      return {
        status: 200,
        body:
          calls < 3
            ? { ...WHOLE, nodes: [WHOLE.nodes[0], server('node2', 6380, 'primary', null), WHOLE.nodes[2]] }
            : WHOLE,
      };
    });
    expect(await waitTopology([url], 10_000, 10)).toMatchObject({ kind: 'ok', view: { epoch: 0 } });
    expect(calls).toBe(3);
    const never = await lockNode(() => ({
      status: 200,
      body: { ...WHOLE, nodes: [WHOLE.nodes[0], WHOLE.nodes[1], server('node3', 6381, 'replica', false)] },
    }));
    const answer = await waitTopology([never], 100, 10);
    expect(topologySummary(answer)).toEqual([
      expect.stringContaining('node3 (link down)'),
      'Not whole yet:',
      '  replica node3: link to node1 down',
    ]);
  });

  it('says why when nothing usable answers', async () => {
    const garbled = await lockNode(() => ({ status: 200, body: { hello: 1 } }));
    const answer = await fetchTopology([garbled, 'http://127.0.0.1:1'], 500);
    expect(answer).toEqual({
      kind: 'unknown',
      reasons: [`${garbled}/redis: not the /redis document`, 'http://127.0.0.1:1/redis: unreachable'],
    });
  });
});

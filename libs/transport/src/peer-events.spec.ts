import { Logger, Module, type INestMicroservice } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { createServer } from 'node:net';
import { register } from 'prom-client';
import { ApiError } from '@dss/http';
import { MetricsModule } from '@dss/metrics';
import { PeerClients } from './peer-clients.service.js';
import { PeerEvents } from './peer-events.service.js';
import type { PeerRejections } from './peer-rejections.service.js';
import { peerServerOptions } from './peer-server-options.js';
import { TransportModule } from './transport.module.js';
import type { PeerTransportOptions } from './transport-options.js';

declare module './peer-rpc-contract.js' {
  interface PeerEventContract {
    'test.direct': { from: string; n: number };
  }
  interface PeerRpcContract {
    'test.double': { request: { from: string; n: number }; response: { n: number } };
  }
}

const options: PeerTransportOptions = {
  selfId: 'node1',
  role: 'lock',
  peers: [
    { id: 'node2', host: '127.0.0.1', peerPort: 9002, httpPort: 8002 },
    { id: 'node3', host: '127.0.0.1', peerPort: 9003, httpPort: 8003 },
  ],
  timeoutMs: 1000,
  bindHost: '127.0.0.1',
  port: 9001,
  clusterNodeIds: ['node1', 'node2', 'node3'],
  tls: { ca: 'ca', cert: 'cert', key: 'key' },
};

describe('PeerEvents: who may send an event (mutual TLS on)', () => {
  const recorded: string[] = [];
  const rejections = { record: (reason: string) => recorded.push(reason) } as unknown as PeerRejections;
  let got: unknown[];
  let events: PeerEvents;

  beforeEach(() => {
    recorded.length = 0;
    got = [];
    events = new PeerEvents(options, rejections);
    events.on('test.direct', (payload) => got.push(payload));
  });

  it('hands a member its own messages, and refuses a member speaking for another or a stranger', () => {
    const batch = [{ from: 'node2', type: 'app' }];
    expect(events.dispatch({ pattern: 'test.direct', data: batch }, 'node2')).toBe(true);
    expect(got).toEqual([batch]);
    expect(events.dispatch({ pattern: 'test.direct', data: [{ from: 'node3' }] }, 'node2')).toBe(true);
    expect(events.dispatch({ pattern: 'test.direct', data: [] }, 'node9')).toBe(true);
    expect(events.dispatch({ pattern: 'test.direct', data: [] }, undefined)).toBe(true);
    expect(got).toHaveLength(1);
    expect(recorded).toEqual(['spoofed_sender', 'unknown_peer', 'unauthenticated']);
  });

  it('leaves requests (with an id) and unknown patterns to Nest', () => {
    expect(events.dispatch({ pattern: 'test.direct', data: [], id: '1' }, 'node2')).toBe(false);
    expect(events.dispatch({ pattern: 'other', data: [] }, 'node2')).toBe(false);
    expect(events.dispatch('not a frame', 'node2')).toBe(false);
    expect(got).toHaveLength(0);
  });

  it('answers requests on the direct path as Nest frames them: values, promises, failures and refusals', async () => {
    const answers: unknown[] = [];
    const reply = (frame: unknown) => answers.push(frame);
    events.answer('test.double', (msg) => {
      if (msg.n < 0) throw new RpcException('negative');
      if (msg.n === 1000) throw new ApiError('TIMEOUT', 'too slow; the outcome is unknown');
      return msg.n === 0
        ? Promise.reject(new Error('zero'))
        : msg.n > 100
          ? Promise.resolve({ n: msg.n * 2 })
          : { n: msg.n * 2 };
    });
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: 2 }, id: '1' }, 'node2', reply)).toBe(
      true,
    );
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: 200 }, id: '2' }, 'node2', reply)).toBe(
      true,
    );
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: -1 }, id: '3' }, 'node2', reply)).toBe(
      true,
    );
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: 0 }, id: '4' }, 'node2', reply)).toBe(
      true,
    );
    // A stranger is refused with an answer (the caller does not wait for its timeout), and counted.
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node9', n: 1 }, id: '5' }, 'node9', reply)).toBe(
      true,
    );
    // An ApiError goes back with its code beside its message, as ApiExceptionFilter sends it on Nest's path.
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: 1000 }, id: '8' }, 'node2', reply)).toBe(
      true,
    );
    await new Promise((r) => setImmediate(r));
    expect(answers).toEqual([
      { id: '1', isDisposed: true, response: { n: 4 } },
      { id: '3', isDisposed: true, err: { status: 'error', message: 'negative' } },
      { id: '5', isDisposed: true, err: { status: 'error', message: expect.stringMatching(/^refused: /) } },
      {
        id: '8',
        isDisposed: true,
        err: { status: 'error', message: 'too slow; the outcome is unknown', code: 'TIMEOUT' },
      },
      { id: '2', isDisposed: true, response: { n: 400 } },
      { id: '4', isDisposed: true, err: { status: 'error', message: 'zero' } },
    ]);
    expect(recorded).toEqual(['unknown_peer']);
    // Requests nobody answers here, or without a way to reply, still go to Nest.
    expect(events.dispatch({ pattern: 'test.other', data: {}, id: '6' }, 'node2', reply)).toBe(false);
    expect(events.dispatch({ pattern: 'test.double', data: { from: 'node2', n: 1 }, id: '7' }, 'node2')).toBe(false);
    expect(() => events.answer('test.double', () => ({ n: 0 }))).toThrow(/already has a handler/);
  });

  it('survives a handler that throws, and refuses a second handler for one pattern', () => {
    const quiet = new PeerEvents({ ...options, tls: undefined }, rejections);
    quiet.on('test.direct', () => {
      throw new Error('bug');
    });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    expect(quiet.dispatch({ pattern: 'test.direct', data: [] }, undefined)).toBe(true);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('test.direct handler failed: Error: bug'));
    logged.mockRestore();
    expect(() => quiet.on('test.direct', () => undefined)).toThrow(/already has a handler/);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('PeerClients.emit to PeerEvents over real TCP', () => {
  let portA: number;
  let portB: number;
  let server: INestMicroservice | undefined;
  let serverModule: TestingModule | undefined;
  let client: TestingModule;
  const got: number[] = [];

  const transportFor = (selfId: string, port: number, peerId: string, peerPort: number) =>
    TransportModule.forRoot({
      selfId,
      role: 'lock',
      peers: [{ id: peerId, host: '127.0.0.1', peerPort, httpPort: 1 }],
      timeoutMs: 300,
      bindHost: '127.0.0.1',
      port,
      probeIntervalMs: 0,
    });

  async function startServer(): Promise<void> {
    @Module({ imports: [MetricsModule.forRoot({ node: 'b', role: 'lock' }), transportFor('b', portB, 'a', portA)] })
    class ServerModule {}
    serverModule = await Test.createTestingModule({ imports: [ServerModule] }).compile();
    const events = serverModule.get(PeerEvents);
    events.on('test.direct', (e) => got.push((e as { n: number }).n));
    server = serverModule.createNestMicroservice({
      ...peerServerOptions({ bindHost: '127.0.0.1', port: portB }, events),
      logger: false,
    });
    await server.listen();
  }

  async function stopServer(): Promise<void> {
    await server?.close();
    await serverModule?.close();
    register.clear();
  }

  const waitFor = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  beforeAll(async () => {
    [portA, portB] = [await freePort(), await freePort()];
    await startServer();
    client = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ node: 'a', role: 'lock' }), transportFor('a', portA, 'b', portB)],
    }).compile();
    await client.init();
  });

  afterAll(async () => {
    await client.close();
    await stopServer();
  });

  it('delivers events in send order, including those sent before the connection is up', async () => {
    for (let n = 1; n <= 50; n++) client.get(PeerClients).emit('b', 'test.direct', { from: 'a', n });
    await waitFor(() => got.length >= 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('dials again after the peer restarts (events sent while it was down may be lost)', async () => {
    await stopServer();
    client.get(PeerClients).emit('b', 'test.direct', { from: 'a', n: 100 }); // into a closed connection
    await new Promise((r) => setTimeout(r, 50));
    await startServer();
    got.length = 0;
    await waitFor(() => {
      client.get(PeerClients).emit('b', 'test.direct', { from: 'a', n: 200 });
      return got.includes(200);
    });
    expect(got).toContain(200);
  });

  it('answers a request on the direct path over the connection it came in on, without Nest', async () => {
    serverModule!.get(PeerEvents).answer('test.double', (msg) => ({ n: msg.n * 2 }));
    const answers = await Promise.all(
      [1, 2, 3].map((n) => client.get(PeerClients).call('b', 'test.double', { from: 'a', n })),
    );
    expect(answers).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);
  });
});

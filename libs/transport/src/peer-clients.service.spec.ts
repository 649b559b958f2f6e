import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'prom-client';
import { loadPeerTls } from '@dss/config';
import { ApiError, ApiExceptionFilter } from '@dss/http';
import { MetricsModule } from '@dss/metrics';
import { PeerClients } from './peer-clients.service.js';
import { PeerEvents } from './peer-events.service.js';
import { PeerRemoteError, PeerTimeoutError, PeerUnavailableError, UnknownPeerError } from './peer-errors.js';
import { peerServerOptions } from './peer-server-options.js';
import { PeerStatusService } from './peer-status.service.js';
import { TransportModule } from './transport.module.js';
import { PEER_CONNECT_TIMEOUT_MS } from './transport-options.js';
import { blackHoleProxy, type BlackHoleProxy } from '../../../test/support/black-hole-proxy.js';
import { ensureClusterCerts } from '../../../scripts/local-cluster/tls-certs.js';

declare module './peer-rpc-contract.js' {
  interface PeerEventContract {
    'test.note': { text: string };
  }
  interface PeerRpcContract {
    'test.echo': { request: { text: string; delayMs?: number }; response: { text: string; by: string } };
    'test.fail': { request: Record<string, never>; response: never };
    'test.apiFail.nest': { request: { code: 'TIMEOUT' | 'UNAVAILABLE' }; response: never };
    'test.apiFail.direct': { request: { code: 'TIMEOUT' | 'UNAVAILABLE' }; response: never };
  }
}

@Controller()
class TestHandlers {
  static node = 'b';
  static notes: string[] = [];

  @EventPattern('test.note')
  note(@Payload() event: { text: string }) {
    TestHandlers.notes.push(event.text);
  }

  @MessagePattern('test.echo')
  async echo(@Payload() req: { text: string; delayMs?: number }) {
    if (req.delayMs) await new Promise((r) => setTimeout(r, req.delayMs));
    return { text: req.text, by: TestHandlers.node };
  }

  @MessagePattern('test.fail')
  fail(): never {
    throw new RpcException('handler refused');
  }
}

/** The same failure as the direct path's handler below, on Nest's path (ApiExceptionFilter renders it). */
@Controller()
class ApiFailingHandlers {
  @MessagePattern('test.apiFail.nest')
  fail(@Payload() req: { code: 'TIMEOUT' | 'UNAVAILABLE' }): never {
    throw new ApiError(req.code, 'the memory (Redis) failed; the outcome is unknown');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('PeerClients over real TCP', () => {
  let portA: number;
  let portB: number;
  let server: INestMicroservice | undefined;
  let client: TestingModule;

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
    @Module({
      imports: [MetricsModule.forRoot({ node: 'b', role: 'lock' }), transportFor('b', portB, 'a', portA)],
      controllers: [TestHandlers],
    })
    class ServerModule {}
    server = await NestFactory.createMicroservice(ServerModule, {
      ...peerServerOptions({ bindHost: '127.0.0.1', port: portB }),
      logger: false,
    });
    await server.listen();
  }

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
    await server?.close();
    register.clear();
  });

  const peers = () => client.get(PeerClients);

  it('delivers a typed request and its answer', async () => {
    await expect(peers().call('b', 'test.echo', { text: 'hi' })).resolves.toEqual({ text: 'hi', by: 'b' });
  });

  it('times out a call the peer does not answer in time, and stays usable', async () => {
    const err = await peers()
      .call('b', 'test.echo', { text: 'slow', delayMs: 1000 }, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerTimeoutError);
    expect((err as PeerTimeoutError).timeoutMs).toBe(100);
    await expect(peers().call('b', 'test.echo', { text: 'after' })).resolves.toEqual({ text: 'after', by: 'b' });
  });

  it('maps a handler failure at the peer to PeerRemoteError', async () => {
    const err = await peers()
      .call('b', 'test.fail', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerRemoteError);
    expect((err as PeerRemoteError).remoteMessage).toBe('handler refused');
    // Not an ApiError: no code to switch on.
    expect((err as PeerRemoteError).code).toBeUndefined();
  });

  it('delivers one-way events in order', async () => {
    for (const text of ['one', 'two', 'three']) peers().emit('b', 'test.note', { text });
    for (let i = 0; i < 100 && TestHandlers.notes.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(TestHandlers.notes).toEqual(['one', 'two', 'three']);
  });

  it('refuses a node that is not a peer', async () => {
    await expect(peers().call('zz', 'dss.ping', { from: 'a', role: 'lock' })).rejects.toBeInstanceOf(UnknownPeerError);
  });

  it('reports a down peer as unavailable and reconnects once it restarts', async () => {
    await expect(peers().call('b', 'dss.ping', { from: 'a', role: 'lock' })).resolves.toMatchObject({
      node: 'b',
      role: 'lock',
    });
    await server!.close();
    server = undefined;
    const err = await peers()
      .call('b', 'dss.ping', { from: 'a', role: 'lock' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerUnavailableError);
    const status = await client.get(PeerStatusService).pingAll();
    expect(status).toEqual([expect.objectContaining({ id: 'b', reachable: false })]);

    TestHandlers.node = 'b-restarted';
    await startServer();
    await expect(peers().call('b', 'test.echo', { text: 'back' })).resolves.toEqual({
      text: 'back',
      by: 'b-restarted',
    });
    expect(await client.get(PeerStatusService).pingAll()).toEqual([
      expect.objectContaining({ id: 'b', reachable: true }),
    ]);
  });

  it('counts every call in dss_peer_rpc_duration_seconds by outcome', async () => {
    const text = await register.metrics();
    expect(text).toMatch(/dss_peer_rpc_duration_seconds_count\{[^}]*outcome="timeout"[^}]*\} [1-9]/);
    expect(text).toMatch(/dss_peer_rpc_duration_seconds_count\{[^}]*outcome="unavailable"[^}]*\} [1-9]/);
    expect(text).toMatch(/dss_peer_reachable\{[^}]*peer="b"[^}]*\} 1/);
    expect(text).toMatch(/dss_peer_events_total\{[^}]*pattern="test.note",outcome="sent"[^}]*\} 3/);
  });
});

describe('PeerClients reading an ApiError code from either server path over real TCP', () => {
  let server: INestMicroservice;
  let serverModule: TestingModule;
  let client: TestingModule;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const transportFor = (selfId: string, port: number, peerId: string, peerPort: number) =>
      TransportModule.forRoot({
        selfId,
        role: 'cache',
        peers: [{ id: peerId, host: '127.0.0.1', peerPort, httpPort: 1 }],
        timeoutMs: 1000,
        bindHost: '127.0.0.1',
        port,
        probeIntervalMs: 0,
      });
    // As the daemon runs it: ApiExceptionFilter app-wide for Nest's path, PeerEvents for the direct one.
    @Module({
      imports: [MetricsModule.forRoot({ node: 'b', role: 'cache' }), transportFor('b', portB, 'a', portA)],
      controllers: [ApiFailingHandlers],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    })
    class ServerModule {}
    serverModule = await Test.createTestingModule({ imports: [ServerModule] }).compile();
    const events = serverModule.get(PeerEvents);
    events.answer('test.apiFail.direct', (req) => {
      throw new ApiError(req.code, 'the memory (Redis) failed; the outcome is unknown');
    });
    server = serverModule.createNestMicroservice({
      ...peerServerOptions({ bindHost: '127.0.0.1', port: portB }, events),
      logger: false,
    });
    await server.listen();
    client = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ node: 'a', role: 'cache' }), transportFor('a', portA, 'b', portB)],
    }).compile();
    await client.init();
  });

  afterAll(async () => {
    await client.close();
    await server.close();
    await serverModule.close();
    register.clear();
  });

  it.each(['TIMEOUT', 'UNAVAILABLE'] as const)(
    "carries %s as a code, the same from Nest's path and the direct one",
    async (code) => {
      const peers = client.get(PeerClients);
      const viaNest = await peers.call('b', 'test.apiFail.nest', { code }).catch((e: unknown) => e);
      const direct = await peers.call('b', 'test.apiFail.direct', { code }).catch((e: unknown) => e);
      for (const err of [viaNest, direct]) {
        expect(err).toBeInstanceOf(PeerRemoteError);
        expect(err).toMatchObject({ code, remoteMessage: 'the memory (Redis) failed; the outcome is unknown' });
      }
      expect((direct as PeerRemoteError).message.replace('apiFail.direct', 'apiFail.nest')).toBe(
        (viaNest as PeerRemoteError).message,
      );
    },
  );
});

describe('PeerClients after a partition (a connection that drops everything)', () => {
  let server: INestMicroservice;
  let client: TestingModule;
  let proxy: BlackHoleProxy;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    @Module({
      imports: [
        MetricsModule.forRoot({ node: 'b', role: 'cache' }),
        TransportModule.forRoot({
          selfId: 'b',
          role: 'cache',
          peers: [{ id: 'a', host: '127.0.0.1', peerPort: portA, httpPort: 1 }],
          timeoutMs: 300,
          bindHost: '127.0.0.1',
          port: portB,
          probeIntervalMs: 0,
        }),
      ],
      controllers: [TestHandlers],
    })
    class ServerModule {}
    server = await NestFactory.createMicroservice(ServerModule, {
      ...peerServerOptions({ bindHost: '127.0.0.1', port: portB }),
      logger: false,
    });
    await server.listen();
    proxy = await blackHoleProxy(portB);
    client = await Test.createTestingModule({
      imports: [
        MetricsModule.forRoot({ node: 'a', role: 'cache' }),
        TransportModule.forRoot({
          selfId: 'a',
          role: 'cache',
          peers: [{ id: 'b', host: '127.0.0.1', peerPort: proxy.port, httpPort: 1 }],
          timeoutMs: 300,
          bindHost: '127.0.0.1',
          port: portA,
          probeIntervalMs: 0,
        }),
      ],
    }).compile();
    await client.init();
  });

  afterAll(async () => {
    await client.close();
    await proxy.close();
    await server.close();
    register.clear();
  });

  const peers = () => client.get(PeerClients);

  it('keeps a connection whose peer answers other calls while one call times out', async () => {
    await peers().call('b', 'test.echo', { text: 'first' });
    const slow = peers()
      .call('b', 'test.echo', { text: 'slow', delayMs: 600 }, { timeoutMs: 300 })
      .catch((e: unknown) => e);
    await expect(peers().call('b', 'test.echo', { text: 'meanwhile' })).resolves.toMatchObject({ text: 'meanwhile' });
    expect(await slow).toBeInstanceOf(PeerTimeoutError);
    await peers().call('b', 'test.echo', { text: 'after' });
    expect(proxy.connections()).toBe(1);
  });

  it('dials afresh after a call timed out with no answer from the peer since it was sent', async () => {
    const before = proxy.connections();
    proxy.stallAll();
    await expect(peers().call('b', 'test.echo', { text: 'lost' }, { timeoutMs: 200 })).rejects.toBeInstanceOf(
      PeerTimeoutError,
    );
    await expect(peers().call('b', 'test.echo', { text: 'healed' }, { timeoutMs: 1000 })).resolves.toMatchObject({
      text: 'healed',
    });
    expect(proxy.connections()).toBe(before + 1);
  });
});

describe('PeerClients dialling a peer that never finishes connecting', () => {
  // A raw TCP server that accepts and then says nothing: the TLS handshake never completes, as
  // with a dial whose packets a partition drops (the SYN's retransmission comes seconds later).
  let silent: Server;
  let client: TestingModule;
  let dir: string;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    silent = createServer((s) => accepted.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    dir = mkdtempSync(join(tmpdir(), 'dss-peer-dial-'));
    ensureClusterCerts(dir, [
      { id: 'a', host: '127.0.0.1' },
      { id: 'b', host: '127.0.0.1' },
    ]);
    const tls = loadPeerTls(dir, 'a', (f) => readFileSync(f, 'utf8'));
    client = await Test.createTestingModule({
      imports: [
        MetricsModule.forRoot({ node: 'a', role: 'cache' }),
        TransportModule.forRoot({
          selfId: 'a',
          role: 'cache',
          peers: [{ id: 'b', host: '127.0.0.1', peerPort: address.port, httpPort: 1 }],
          timeoutMs: 5000,
          bindHost: '127.0.0.1',
          port: await freePort(),
          probeIntervalMs: 0,
          tls,
        }),
      ],
    }).compile();
    await client.init();
  });

  afterAll(async () => {
    await client.close();
    accepted.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
    register.clear();
  });

  it('abandons the dial after PEER_CONNECT_TIMEOUT_MS and answers unavailable, not at the call timeout', async () => {
    const started = performance.now();
    const err = await client
      .get(PeerClients)
      .call('b', 'test.echo', { text: 'x' }, { timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerUnavailableError);
    expect(performance.now() - started).toBeLessThan(PEER_CONNECT_TIMEOUT_MS + 1000);
    // The next call dials afresh.
    await client
      .get(PeerClients)
      .call('b', 'test.echo', { text: 'y' }, { timeoutMs: 5000 })
      .catch(() => undefined);
    expect(accepted.length).toBeGreaterThanOrEqual(2);
  });
});

import { blackHoleProxy, type BlackHoleProxy } from '../../../test/support/black-hole-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { Command } from 'ioredis';
import { StallAwareRedis } from './stall-aware-redis.js';

describe('StallAwareRedis against a real Redis behind a proxy', () => {
  let server: RedisServerHandle;
  let proxy: BlackHoleProxy;
  let client: StallAwareRedis;

  beforeEach(async () => {
    server = await startRedisServer();
    proxy = await blackHoleProxy(server.port);
    client = new StallAwareRedis({
      host: '127.0.0.1',
      port: proxy.port,
      commandTimeout: 200,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => 20,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    await client.connect();
  });

  afterEach(async () => {
    client.disconnect();
    await proxy.close();
    await server.stop();
  });

  /** Resolves on the next connection's 'ready' (the dropped one may still say ready for a tick). */
  const nextReady = () => new Promise<void>((resolve) => client.once('ready', () => resolve()));

  it('keeps one connection while Redis answers', async () => {
    for (let i = 0; i < 50; i++) await client.incr('n');
    expect(proxy.connections()).toBe(1);
    expect(client.stallsDetected).toBe(0);
  });

  it('leaves the connection alone when a command fails at once for another reason', async () => {
    await client.ping();
    // Failed before any reply could come (as ioredis fails a command it cannot send), not timed out.
    const command = new Command('ping', []);
    void client.sendCommand(command);
    command.reject(new Error('refused before sending'));
    await expect(command.promise).rejects.toThrow('refused before sending');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.stallsDetected).toBe(0);
    expect(proxy.connections()).toBe(1);
  });

  it('dials again once a command timed out with nothing received since it was sent', async () => {
    // A partition that outlives its connection: the socket stays open and nothing comes back.
    await client.ping();
    proxy.stallAll();
    const redialled = nextReady();
    await expect(client.ping()).rejects.toThrow('Command timed out');
    await redialled;
    // Plain ioredis keeps the silent connection: this would time out too, and every command after it.
    await expect(client.ping()).resolves.toBe('PONG');
    expect(client.stallsDetected).toBe(1);
    expect(proxy.connections()).toBe(2);
  });
});

describe('StallAwareRedis.redial', () => {
  it('fails the commands in flight at once and serves the next on a new connection, even from a silent server', async () => {
    const server = await startRedisServer();
    const proxy = await blackHoleProxy(server.port);
    const client = new StallAwareRedis({
      host: '127.0.0.1',
      port: proxy.port,
      commandTimeout: 5000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => 20,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      proxy.stallAll(); // the old primary is behind a partition: no reply, no FIN
      const started = performance.now();
      const inFlight = client.ping().then(
        () => 'answered',
        (err: Error) => err.message,
      );
      const redialled = new Promise<void>((resolve) => client.once('ready', () => resolve()));
      client.redial();
      // disconnect(true) would leave it waiting for the FIN (2 s), then the timeout (5 s).
      expect(await inFlight).toMatch(/max retries per request/i);
      expect(performance.now() - started).toBeLessThan(500);
      await redialled;
      await expect(client.ping()).resolves.toBe('PONG');
      expect(proxy.connections()).toBe(2);
    } finally {
      client.disconnect();
      await proxy.close();
      await server.stop();
    }
  });
});

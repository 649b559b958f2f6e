// Test helper: one real redis-server per test file, on a free loopback port,
// in its own temp dir with the AOF on (as production), so restart-from-AOF is
// testable. stop() quits every client it handed out, kills the server and
// removes the dir, so jest exits without leaked processes or handles.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export interface RedisServerHandle {
  readonly port: number;
  readonly dir: string;
  /** A client of this server, closed by stop(). */
  client(options?: RedisOptions): Redis;
  /** SIGKILL the server (no shutdown save, no AOF rewrite) and wait for it to exit. */
  crash(): Promise<void>;
  /** Start it again on the same port and dir: it reloads the AOF. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    let data = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
    sock.once('connect', () => sock.write('PING\r\n'));
  });
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ];
  const proc = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  // If the jest worker dies before afterAll, do not leave the server behind.
  const reap = (): void => void proc.kill('SIGKILL');
  process.once('exit', reap);
  proc.once('exit', () => process.removeListener('exit', reap));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}; see ${dir}/redis.log`);
    // LOADING replies are not +PONG, so this also waits for the AOF to load.
    if (await ping(port)) return proc;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  await exited(proc);
  throw new Error(`redis-server on ${port} not ready within 10 s`);
}

export async function startRedisServer(): Promise<RedisServerHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'dss-queue-redis-'));
  const port = await freePort();
  let proc = await launch(port, dir);
  const clients: Redis[] = [];
  return {
    port,
    dir,
    client(options = {}) {
      // Short disconnectTimeout: disconnecting a client whose socket died with the
      // server leaves ioredis' destroy timer pending for that long.
      const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 20, disconnectTimeout: 100, ...options });
      clients.push(c);
      return c;
    },
    async crash() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async restart() {
      proc = await launch(port, dir);
    },
    async stop() {
      let broken = false;
      await Promise.all(
        clients.map(async (c) => {
          if (c.status === 'end') return;
          if (c.status === 'ready') {
            await c.quit().catch(() => c.disconnect());
            return;
          }
          // Reconnecting or connecting: no 'end' may ever come, just stop it.
          broken = true;
          c.disconnect();
        }),
      );
      // Let the destroy timer of a dead socket (disconnectTimeout) run out.
      if (broken) await new Promise((r) => setTimeout(r, 150));
      proc.kill('SIGKILL');
      await exited(proc);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `use` on a one-shot client of the Redis server on 127.0.0.1:`port`, which fails rather than retries. */
async function withOneShotClient<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** INFO `section` of the Redis server on 127.0.0.1:`port`, as field -> value. */
export function redisInfo(port: number, section = 'server'): Promise<Record<string, string>> {
  return withOneShotClient(port, async (client) => {
    const text = await client.info(section);
    return Object.fromEntries(
      text
        .split('\r\n')
        .filter((l) => l.includes(':') && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
    );
  });
}

/** CONFIG GET of each of `names` on the Redis server on 127.0.0.1:`port`. */
export function redisConfig(port: number, names: readonly string[]): Promise<Record<string, string>> {
  return withOneShotClient(port, async (client) => {
    const out: Record<string, string> = {};
    for (const name of names) {
      const [, value] = (await client.config('GET', name)) as string[];
      out[name] = value ?? '';
    }
    return out;
  });
}

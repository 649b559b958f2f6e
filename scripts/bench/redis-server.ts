import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

// A throw-away redis-server for a side-by-side benchmark, with the settings of
// the reference scripts' redis.sh: 127.0.0.1:6390, no RDB snapshots, AOF with
// fsync every second, its data in a temporary directory removed on stop. Run
// in the foreground as this program's child (redis.sh daemonizes it) so that
// stop() has its pid. Uses Debian's redis-server package.

export const REDIS_SERVER_INSTALL = 'apt-get install redis-server (Debian/Ubuntu)';
export const REFERENCE_REDIS_PORT = 6390;

export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM (SIGKILL after 10 s), then removes the data directory. */
  stop(): Promise<void>;
}

/** True when something answers PING at host:port within `timeoutMs`. */
export async function answersPing(
  host: string,
  port: number,
  timeoutMs = 2000,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const probe = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  probe.on('error', (err: unknown) => (lastError = err)); // says why, where connect() only says "Connection is closed"
  try {
    await probe.connect();
    const pong = await probe.ping();
    return pong === 'PONG' ? { ok: true } : { ok: false, why: `PING answered ${pong}` };
  } catch (err) {
    const e = (lastError ?? err) as { code?: unknown; message?: unknown };
    return { ok: false, why: typeof e.code === 'string' ? e.code : String(e.message ?? e) };
  } finally {
    probe.disconnect();
  }
}

export async function startRedisServer(port = REFERENCE_REDIS_PORT, host = '127.0.0.1'): Promise<RedisServer> {
  if ((await answersPing(host, port, 500)).ok) {
    throw new Error(
      `something already answers at ${host}:${port} (the reference's redis.sh?): stop it, or benchmark it with --redis ${host}:${port}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dss-bench-redis-'));
  const log = join(dir, 'redis.log');
  const args = [
    '--bind',
    host,
    '--port',
    String(port),
    '--protected-mode',
    'yes',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--dir',
    dir,
    '--logfile',
    log,
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', resolve);
  });
  if (spawned) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot run redis-server (${spawned.message}): ${REDIS_SERVER_INSTALL}, or pass --redis host:port`);
  }
  const exited = new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 10_000; ;) {
    if ((await answersPing(host, port, 500)).ok) return { host, port, pid: child.pid!, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join('\n  ') : '(no log)';
      await stop();
      throw new Error(`redis-server on ${host}:${port} did not come up:\n  ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'undici';
import type { ConsoleConfig, DaemonAddress } from '@dss/config/pure';
import { CONSOLE_DAEMON_TIMEOUT_MS, CONSOLE_MAX_ANSWER_BYTES, CONSOLE_POOL_CONNECTIONS } from './console-limits.js';

export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

/** A daemon's answer, passed on as it came (status and JSON text), or why none came. */
export type DaemonAnswer =
  | { readonly ok: true; readonly status: number; readonly body: string; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

export interface DaemonCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query on the daemon, e.g. /lock/orders. */
  readonly path: string;
  readonly authorization?: string;
  readonly body?: string;
  readonly timeoutMs?: number;
}

/**
 * The console's one way to reach the daemons: a small keep-alive pool per
 * daemon (undici), the cluster CA trusted when the API speaks HTTPS, a timeout
 * on every call. A daemon that does not answer is an answer too (ok: false).
 */
@Injectable()
export class DaemonClient implements OnModuleDestroy {
  private readonly pools = new Map<string, Pool>();

  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {
    for (const d of config.daemons)
      this.pools.set(
        d.url,
        new Pool(d.url, {
          connections: CONSOLE_POOL_CONNECTIONS,
          ...(config.ca !== undefined ? { connect: { ca: config.ca } } : {}),
        }),
      );
  }

  /** The daemons of a role, in node order. */
  daemonsOf(role: string): DaemonAddress[] {
    return this.config.daemons.filter((d) => d.role === role);
  }

  find(role: string, node: string): DaemonAddress | undefined {
    return this.config.daemons.find((d) => d.role === role && d.node === node);
  }

  async call(daemon: DaemonAddress, call: DaemonCall): Promise<DaemonAnswer> {
    const started = performance.now();
    const ms = () => Math.round((performance.now() - started) * 10) / 10;
    const pool = this.pools.get(daemon.url);
    if (!pool) return { ok: false, error: `${daemon.url} is not a daemon of this cluster`, ms: 0 };
    const timeout = call.timeoutMs ?? CONSOLE_DAEMON_TIMEOUT_MS;
    try {
      const res = await pool.request({
        method: call.method,
        path: call.path,
        headers: {
          accept: 'application/json',
          ...(call.authorization ? { authorization: call.authorization } : {}),
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.body !== undefined ? { body: call.body } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      const length = Number(res.headers['content-length'] ?? 0);
      if (length > CONSOLE_MAX_ANSWER_BYTES) {
        res.body.destroy();
        return { ok: false, error: `answer of ${length} bytes is over the console's limit`, ms: ms() };
      }
      return { ok: true, status: res.statusCode, body: await res.body.text(), ms: ms() };
    } catch (err) {
      return { ok: false, error: describe(err, timeout), ms: ms() };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
  }
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'HeadersTimeoutError') return `no answer in ${timeoutMs} ms`;
    const code = 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    return `${code}${err.message}`;
  }
  return String(err);
}

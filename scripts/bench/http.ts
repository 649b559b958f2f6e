// HTTP for the benchmarks' load generators: one undici Pool (keep-alive) per
// origin, the client model of the side-by-side comparisons (docs/benchmarks.md).
// The built-in fetch costs several times more per call in the client process
// and would hide the server's speed.
import { Pool } from 'undici';

/** Connections per origin: enough for the 64-client levels to never queue in the client. */
const POOL_CONNECTIONS = 128;

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) pools.set(origin, (pool = new Pool(origin, { connections: POOL_CONNECTIONS, pipelining: 1 })));
  return pool;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** One request; the body is always read, so the connection goes back to its pool. */
export async function httpRequest(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: string,
  timeoutMs?: number,
): Promise<HttpReply> {
  const u = new URL(url);
  const res = await poolFor(u.origin).request({
    method,
    path: `${u.pathname}${u.search}`,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
    ...(timeoutMs === undefined ? {} : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs }),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** POSTs `body` as JSON and parses the answer (undefined when it is not JSON). */
export async function postJson<T>(url: string, body: unknown): Promise<{ status: number; body: T | undefined }> {
  const reply = await httpRequest('POST', url, JSON.stringify(body));
  return { status: reply.status, body: parseJson<T>(reply.text) };
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Closes every pool, so the program can exit. */
export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

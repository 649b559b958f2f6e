// A scripted stand-in for fetch, for the client's unit tests: each request is
// recorded and answered by a route function, which can also fail it the ways
// a network does (refused, reset, no answer until the signal aborts).

export interface FakeRequest {
  readonly method: string;
  /** Base URL (scheme, host, port). */
  readonly base: string;
  readonly path: string;
  /** The query string's parameters (empty without one). */
  readonly query: Readonly<Record<string, string>>;
  /** The query string with its "?", or '' without one. */
  readonly search: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** The request's signal (per-attempt timeout and caller's abort), for routes that wait. */
  readonly signal?: AbortSignal;
}

export type FakeReply =
  | { readonly status: number; readonly body?: unknown }
  /** ECONNREFUSED: the connection was never made. */
  | 'refused'
  /** ECONNRESET: the request went out, the answer did not come back. */
  | 'reset'
  /** No answer until the request's signal aborts (a per-attempt timeout, the caller's abort). */
  | 'hang';

export type FakeRoute = (req: FakeRequest, index: number) => FakeReply | Promise<FakeReply>;

function networkError(code: string, message: string): TypeError {
  // The shape undici gives: TypeError('fetch failed') with the socket error as cause.
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`${message}`), { code }) });
}

export class FakeFetch {
  readonly requests: FakeRequest[] = [];

  constructor(private readonly route: FakeRoute) {}

  /** Every request of one path, in order. */
  to(path: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const signal = init?.signal ?? undefined;
    const req: FakeRequest = {
      method: init?.method ?? 'GET',
      base: url.origin,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      search: url.search,
      body,
      headers,
      signal,
    };
    this.requests.push(req);
    if (signal?.aborted) throw signal.reason;
    const reply = await this.route(req, this.requests.length - 1);
    if (signal?.aborted) throw signal.reason;
    if (reply === 'refused') throw networkError('ECONNREFUSED', `connect ECONNREFUSED ${url.host}`);
    if (reply === 'reset') throw networkError('ECONNRESET', 'read ECONNRESET');
    if (reply === 'hang') {
      return new Promise<Response>((_, reject) => {
        if (!signal) return; // never settles, as a black-holed connection
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** A route that answers the i-th request with replies[i] (the last one repeats). */
export function inOrder(...replies: FakeReply[]): FakeRoute {
  return (_req, i) => replies[Math.min(i, replies.length - 1)]!;
}

/** A seeded PRNG (mulberry32) for jitter: reproducible, and spread over [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An id generator that counts: id-1, id-2, ... */
export function countingIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export const ENDPOINTS = {
  lock: ['http://lock1:8001', 'http://lock2:8002', 'http://lock3:8003'],
  queue: ['http://queue1:8011', 'http://queue2:8012', 'http://queue3:8013'],
  cache: ['http://cache1:8021', 'http://cache2:8022', 'http://cache3:8023'],
} as const;

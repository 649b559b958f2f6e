import type { CacheEntry, CacheWriteOptions, CallOptions, Coherence, FlushResult, MesiState } from './client-types.js';
import { cacheEntryAnswer, cachePutAnswer, coherenceAnswer, expectAnswer, flushAnswer } from './answers.js';
import { NotFoundError } from './errors.js';
import { HttpCaller, pathSegment } from './http-caller.js';

// The cache API (docs/cache.md). Keys go URL-encoded in the path. put is safe
// to repeat (writing the same value twice leaves the same state), flush too
// (it only writes back); del is not: a repeated delete of a key deleted by the
// first, unanswered attempt would answer 404, "there was nothing", which is
// wrong, so del is repeated only when the server cannot have seen it. A write with
// `fence` (CacheWriteOptions) throws FencedError when a higher token wrote the key; a
// fenced put repeated with the same token is still safe (an equal token is accepted).

export interface CacheClient {
  /** undefined when the key has no value (404). */
  get(key: string, call?: CallOptions): Promise<CacheEntry | undefined>;
  put(key: string, value: unknown, call?: CacheWriteOptions): Promise<{ key: string; state: MesiState }>;
  /** true when a value was deleted, false when there was none (404; a fenced delete still left its fence). */
  del(key: string, call?: CacheWriteOptions): Promise<boolean>;
  coherence(key: string, call?: CallOptions): Promise<Coherence>;
  /** POST /cache/flush on one node (its base URL) or, without url, on every cache endpoint; throws the first failure. */
  flush(url?: string, call?: CallOptions): Promise<FlushResult[]>;
}

const keyPath = (key: string) => `/cache/${pathSegment('key', key)}`;
const fenceBody = (opts?: CacheWriteOptions): { fence?: { token: number } } =>
  opts?.fence === undefined ? {} : { fence: { token: opts.fence } };

export class HttpCacheClient implements CacheClient {
  constructor(
    private readonly http: HttpCaller,
    private readonly cacheEndpoints: readonly string[],
  ) {}

  async get(key: string, call?: CallOptions): Promise<CacheEntry | undefined> {
    try {
      const answer = await this.http.call({ role: 'cache', method: 'GET', path: keyPath(key), safe: true }, call);
      // The state is the answering node's; a transient one (IS_D) is possible while a transaction runs.
      return expectAnswer(cacheEntryAnswer, answer) as CacheEntry;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async put(key: string, value: unknown, call?: CacheWriteOptions): Promise<{ key: string; state: MesiState }> {
    const answer = await this.http.call(
      { role: 'cache', method: 'PUT', path: keyPath(key), body: { value, ...fenceBody(call) }, safe: true },
      call,
    );
    return expectAnswer(cachePutAnswer, answer) as { key: string; state: MesiState };
  }

  async del(key: string, call?: CacheWriteOptions): Promise<boolean> {
    const fence = fenceBody(call);
    try {
      await this.http.call(
        { role: 'cache', method: 'DELETE', path: keyPath(key), ...(fence.fence ? { body: fence } : {}), safe: false },
        call,
      );
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async coherence(key: string, call?: CallOptions): Promise<Coherence> {
    const answer = await this.http.call(
      { role: 'cache', method: 'GET', path: `${keyPath(key)}/coherence`, safe: true },
      call,
    );
    // states can hold transient states too (see get); the type names the stable ones.
    return expectAnswer(coherenceAnswer, answer) as Coherence;
  }

  async flush(url?: string, call?: CallOptions): Promise<FlushResult[]> {
    const targets = url === undefined ? this.cacheEndpoints : [url.replace(/\/+$/, '')];
    const settled = await Promise.allSettled(
      targets.map(async (target) => {
        const answer = await this.http.call(
          { role: 'cache', method: 'POST', path: '/cache/flush', safe: true, url: target },
          call,
        );
        return { url: target, flushed: expectAnswer(flushAnswer, answer).flushed };
      }),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<FlushResult>).value);
  }
}

import type { CallOptions, Endpoints, RetryPolicy, Role } from './client-types.js';
import { backoff } from '@dss/backoff';
import { CLIENT_DEFAULTS } from './defaults.js';
import { EndpointPool } from './endpoint-pool.js';
import {
  type AttemptFailure,
  errorFromResponse,
  InvalidArgumentError,
  OutcomeUnknownError,
  UnavailableError,
} from './errors.js';
import { attemptOnce, type AttemptOutcome } from './fetch-attempt.js';

// The retry and failover loop every call of the client goes through
// (docs/client.md, "Failover and retries"):
// - transient failures (connection refused, DNS, reset, per-attempt timeout,
//   HTTP 503, and 504 for safe calls) move on to the next endpoint and retry
//   after a backoff with full jitter, up to `attempts` in all;
// - any other HTTP answer is final: 2xx is the result, 4xx/5xx a typed error;
// - an unsafe call is repeated only when the failure proves the server did not
//   process it (no connection was made, or 503); otherwise OutcomeUnknownError.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface CallSpec {
  readonly role: Role;
  readonly method: HttpMethod;
  /** Path with its parameters already URL-encoded. */
  readonly path: string;
  readonly body?: unknown;
  /** Repeating the request cannot change its outcome (an idempotency key, a read, or a set-to-value). */
  readonly safe: boolean;
  /** Added to the per-attempt timeout: a waiting acquire or a long-poll is slow by design. */
  readonly waitMs?: number;
  /** Pin the call to this base URL (no failover), e.g. flushing one cache node. */
  readonly url?: string;
  /** The idempotency key the body carries, reported in Unavailable/OutcomeUnknown errors. */
  readonly keys?: { readonly requestId?: string; readonly dedupId?: string };
}

export interface CallAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly url: string;
}

export interface HttpCallerOptions {
  readonly endpoints: Endpoints;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly token?: string;
  readonly random: () => number;
  readonly now: () => number;
}

export class HttpCaller {
  private readonly pools = new Map<Role, EndpointPool>();

  constructor(readonly options: HttpCallerOptions) {
    for (const role of ['lock', 'queue', 'cache'] as const) {
      const urls = options.endpoints[role];
      if (urls.length > 0) this.pools.set(role, new EndpointPool(urls));
    }
  }

  /** The base URL the next call of `role` goes to (sticky), for diagnostics. */
  currentEndpoint(role: Role): string | undefined {
    return this.pools.get(role)?.current();
  }

  get headers(): Record<string, string> {
    return this.options.token === undefined ? {} : { authorization: `Bearer ${this.options.token}` };
  }

  /** One attempt against one URL, no retry (status reports). */
  once(
    url: string,
    method: HttpMethod,
    path: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttemptOutcome> {
    return attemptOnce(
      this.options.fetch,
      { method, url: url + path, headers: this.headers, timeoutMs, signal },
      this.options.now,
    );
  }

  async call(spec: CallSpec, call: CallOptions = {}): Promise<CallAnswer> {
    const pool = spec.url !== undefined ? new EndpointPool([spec.url]) : this.pools.get(spec.role);
    if (pool === undefined) throw new InvalidArgumentError(`no ${spec.role} endpoints are configured`);
    const { retry } = this.options;
    const timeoutMs = (call.timeoutMs ?? this.options.timeoutMs) + (spec.waitMs ?? 0);
    const failures: AttemptFailure[] = [];
    const keys = spec.keys ?? {};
    let lastStatus: number | undefined;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      if (attempt > 1)
        await backoff(
          { baseMs: retry.baseDelayMs, maxMs: retry.maxDelayMs, jitter: 'full' },
          attempt - 1,
          call.signal,
          this.options.random,
        );
      const url = pool.current();
      const outcome = await attemptOnce(
        this.options.fetch,
        {
          method: spec.method,
          url: url + spec.path,
          body: spec.body,
          headers: this.headers,
          timeoutMs,
          signal: call.signal,
        },
        this.options.now,
      );
      if (outcome.kind === 'aborted') throw outcome.reason;
      if (outcome.kind === 'failed') {
        lastStatus = undefined;
        pool.failed(url);
        failures.push({ url, error: outcome.error + (outcome.sent ? ' (the request may have been processed)' : '') });
        if (outcome.sent && !spec.safe) {
          throw new OutcomeUnknownError(
            `${spec.method} ${spec.path} on ${url}: ${outcome.error}; it may or may not have been applied, and is not safe to repeat`,
            {
              endpoint: url,
              attempts: failures,
              cause: outcome.cause,
              ...keys,
            },
          );
        }
        continue;
      }
      const { status, body } = outcome;
      if (status >= 200 && status < 300) {
        pool.succeeded(url);
        return { status, body, url };
      }
      const error = errorFromResponse(status, body, url);
      if (status === 503 || (status === 504 && spec.safe)) {
        // The node cannot serve now (503: nothing changed) or its leader/home was
        // slow (504: a safe call can simply be repeated); another node may do better.
        pool.failed(url);
        lastStatus = status;
        failures.push({ url, error: `HTTP ${status} ${error.code}: ${error.message}` });
        continue;
      }
      pool.succeeded(url); // it answered: a 4xx is about the request, not the node
      if (error instanceof OutcomeUnknownError)
        throw new OutcomeUnknownError(error.message, {
          status,
          body,
          endpoint: url,
          details: error.details,
          attempts: [...failures, ...error.attempts],
          ...keys,
        });
      throw error;
    }
    const last = failures[failures.length - 1];
    throw new UnavailableError(
      `${spec.method} ${spec.path} failed on every attempt (${failures.length}); last: ${last?.url}: ${last?.error}`,
      {
        status: lastStatus,
        endpoint: last?.url,
        attempts: failures,
        ...keys,
      },
    );
  }
}

/** A path parameter, URL-encoded; never empty (an empty one would hit another route). */
export function pathSegment(what: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidArgumentError(`${what} must be a non-empty string`);
  return encodeURIComponent(value);
}

/** The retry policy with defaults filled in and checked. */
export function resolveRetryPolicy(retry: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = {
    attempts: retry.attempts ?? CLIENT_DEFAULTS.attempts,
    baseDelayMs: retry.baseDelayMs ?? CLIENT_DEFAULTS.baseDelayMs,
    maxDelayMs: retry.maxDelayMs ?? CLIENT_DEFAULTS.maxDelayMs,
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1)
    throw new RangeError('retry.attempts must be an integer >= 1');
  if (!(policy.baseDelayMs >= 0) || !(policy.maxDelayMs >= 0))
    throw new RangeError('retry delays must not be negative');
  return policy;
}

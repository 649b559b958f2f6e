import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import type { Grant, RequestKind } from '@dss/mesi';
import { PeerRemoteError, PeerTimeoutError, PeerUnavailableError } from '@dss/transport';
import { backoff } from '@dss/backoff';
import { CACHE_EVICT_NOTICE_TIMEOUT_MS, CACHE_HOME_RETRY, CACHE_REQUEST_TIMEOUT_MS } from './cache-limits.js';
import { CacheMembership } from './cache-membership.service.js';
import { CACHE_METRICS } from './cache-metrics.js';
import { outcomeUnknown, timedOut, unavailable } from './cache-errors.js';
import { CoherenceRouter, type CoherenceAnswer, type CoherenceRequest } from './coherence-router.js';

export interface Granted {
  readonly grant: Grant;
  /** The home that granted, which the unblock must reach. */
  readonly home: string;
  readonly txn: string;
  /** The view-lease term the request was made in: the grant is installed only in the same term. */
  readonly term: number;
}

/**
 * This node's requests to the homes of keys: finds the home, follows it when
 * it moves (a node died or came back), and turns transport failures into the
 * API's 503 and 504.
 */
@Injectable()
export class HomeClient {
  private txnSeq = 0;
  /** Transaction ids must not repeat across restarts: homes and holders remember recent ones. */
  private readonly boot = randomUUID().slice(0, 8);
  /** Key → the home a request of this node is waiting on. */
  private readonly inFlight = new Map<string, string>();

  constructor(
    private readonly membership: CacheMembership,
    private readonly router: CoherenceRouter,
    @InjectMetric(CACHE_METRICS.coherenceSeconds) private readonly coherence: Histogram<'kind'>,
  ) {}

  /** `shared`: this node holds the line in S as it asks (see CoherenceRequest). */
  async request(key: string, kind: RequestKind, shared = false): Promise<Granted> {
    const self = this.membership.self;
    // An eviction notice only keeps the home's directory small: do not wait long for it.
    const deadline = performance.now() + (kind === 'evict' ? CACHE_EVICT_NOTICE_TIMEOUT_MS : CACHE_REQUEST_TIMEOUT_MS);
    const stop = this.coherence.startTimer({ kind });
    for (let attempt = 1; ; attempt++) {
      const home = this.membership.home(key);
      const txn = `${self}:${this.boot}:${++this.txnSeq}`;
      const left = deadline - performance.now();
      // Every earlier attempt was refused unheard, answered "not home" or "views differ", or was
      // granted by a home that then died and never installed here: nothing has happened.
      if (left <= 0)
        throw unavailable(
          `no home of this key (last tried: ${home}) agreed to serve it within ${CACHE_REQUEST_TIMEOUT_MS} ms (nodes are joining, leaving or cut off)`,
        );
      this.inFlight.set(key, home);
      const term = this.membership.term;
      try {
        const answer = await this.unlessHomeDies(
          home,
          { key, txn, from: self, kind, ...(shared ? { shared } : {}), view: [...this.membership.alive] },
          left,
        );
        if (answer === 'home-died') {
          // A read or write takes effect only when this node installs its grant, so asking
          // the new home is safe; a delete may have happened at the old one.
          if (kind === 'del') throw outcomeUnknown(`the home of this key (${home}) stopped answering during a delete`);
          this.router.unblock(home, { key, txn, from: self });
        } else {
          this.membership.heard(home);
          if ('grant' in answer) {
            // Granted in a view (or lease term) this node has left: a home of the new view may
            // already have rebuilt its directory from holdings that did not include this grant,
            // and would let another node write beside it (found by the chaos suite, after a
            // pause). Hand it back (the old home only over-counts) and ask again. A delete's
            // grant only drops the copy, which is always safe. (CacheLines checks again when it
            // installs the grant.)
            if (kind !== 'del' && kind !== 'evict' && this.membership.term !== term) {
              this.router.unblock(home, { key, txn, from: self });
            } else {
              stop();
              return { grant: answer.grant, home, txn, term };
            }
          }
          // Not the home in its view, or its view of the live nodes differs from ours: they
          // agree again once the heartbeats settle (a partition heals); until then nothing happens.
        }
      } catch (err) {
        // A request that reached the home may have been carried out: do not repeat it.
        if (err instanceof PeerTimeoutError)
          throw outcomeUnknown(`the home of this key (${home}) did not answer within ${Math.round(left)} ms`);
        if (err instanceof PeerRemoteError) {
          const message = `the home of this key (${home}) failed: ${err.remoteMessage}`;
          // The home's own 504 (outcomeUnknown) says the change may have happened there.
          throw err.code === 'TIMEOUT' ? timedOut(message) : unavailable(message);
        }
        // Unreachable: the home may be dead; once it counts as dead the key has a new home.
        if (!(err instanceof PeerUnavailableError)) throw err;
      } finally {
        this.inFlight.delete(key);
      }
      await backoff(CACHE_HOME_RETRY, attempt);
    }
  }

  unblock(granted: Granted, key: string): void {
    this.router.unblock(granted.home, { key, txn: granted.txn, from: this.membership.self });
  }

  /**
   * Whether a request for a key homed at `home` in `view` is waiting for
   * another node's grant (a request to `home` itself waits for its rebuild, so
   * it does not count).
   */
  waitingElsewhere(home: string, view: readonly string[]): boolean {
    for (const [key, target] of this.inFlight)
      if (target !== home && this.membership.homeIn(key, view) === home) return true;
    return false;
  }

  /** The home's answer, or 'home-died' as soon as this node counts the home as dead. */
  private async unlessHomeDies(
    home: string,
    msg: CoherenceRequest,
    timeoutMs: number,
  ): Promise<CoherenceAnswer | 'home-died'> {
    if (home === this.membership.self) return this.router.request(home, msg, timeoutMs);
    let stopWatching = () => undefined as void;
    const died = new Promise<'home-died'>((resolve) => {
      stopWatching = this.membership.watchDeath(home, () => resolve('home-died'));
    });
    try {
      return await Promise.race([this.router.request(home, msg, timeoutMs), died]);
    } finally {
      stopWatching();
    }
  }
}

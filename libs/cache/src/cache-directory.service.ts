import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import {
  EMPTY_ENTRY,
  ProtocolError,
  entryIsIdle,
  entryStateName,
  forgetNode,
  rebuildEntry,
  stepDirectory,
  type DirAction,
  type DirEntry,
  type DirEvent,
  type ForwardReply,
  type HolderReport,
} from '@dss/mesi';
import { PeerClients } from '@dss/transport';
import { backoff } from '@dss/backoff';
import { CACHE_DIRECTORY_MEMORY_RETRY, CACHE_FORWARD_TIMEOUT_MS, CACHE_UNBLOCK_TIMEOUT_MS } from './cache-limits.js';
import { CacheLines } from './cache-lines.service.js';
import { CacheMembership } from './cache-membership.service.js';
import { CACHE_METRICS } from './cache-metrics.js';
import { outcomeUnknown, unavailable } from './cache-errors.js';
import {
  CoherenceRouter,
  type CoherenceAnswer,
  type CoherenceRequest,
  type UnblockMessage,
} from './coherence-router.js';
import { rememberedFence } from './values/fences.js';
import { CacheMemory } from './memory/cache-memory.js';
import { VersionAllocator } from './memory/version-allocator.js';

/** A node asked for its holdings first waits (at most this long) for its running transactions on those keys. */
export const HOLDINGS_SETTLE_MS = 2000;
/** Holdings are fetched in pages so that a big cache never exceeds the transport's frame limit. */
export const HOLDINGS_PAGE = 2000;
/** A home keeps retrying a memory write of an old owner's dirty data this long before giving the transaction up. */
const MEMORY_RETRY_MS = 10_000;

export interface HoldingsPage {
  readonly node: string;
  readonly lines: readonly { key: string; held: HolderReport['held']; version: number }[];
  readonly total: number;
}

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** A rebuilding home asks what a node holds of the keys that are now its own. */
    'cache.holdings': { request: { from: string; view: string[]; offset: number }; response: HoldingsPage };
  }
}

const INVALID_REPLY: ForwardReply = { held: 'I', version: 0, dirty: false };

/** Two views are the same set of live nodes (views list nodes in ring order). */
export const viewKey = (view: readonly string[]): string => view.join(',');

/** The view changed while a rebuild was gathering holdings. */
class ViewChangedError extends Error {}

/**
 * The directories of the keys this node is home for: runs each key's
 * transactions through the pure directory of @dss/mesi, doing its I/O
 * (forwards to holders, Redis), and rebuilds the directories it gains when the
 * set of live nodes changes from what the survivors hold.
 */
@Injectable()
export class CacheDirectory implements OnApplicationBootstrap {
  private readonly logger = new Logger('CacheDirectory');
  private readonly entries = new Map<string, DirEntry>();
  /** Requests waiting for their grant, with the view-lease term they were accepted in. */
  private readonly waiters = new Map<
    string,
    { resolve: (a: CoherenceAnswer) => void; reject: (err: Error) => void; term: number }
  >();
  private rebuilding?: Promise<void>;
  /**
   * The membership epoch whose rebuild completed: this node serves as home only then. An
   * epoch, not the view itself: after A → B → A, a rebuild for the first A must not count
   * (copies may have been granted during B).
   */
  private rebuiltAt?: number;
  /** Versions for the grants of M and the deletes this node makes as a home. */
  private readonly versions: VersionAllocator;

  constructor(
    private readonly membership: CacheMembership,
    private readonly router: CoherenceRouter,
    private readonly memory: CacheMemory,
    private readonly lines: CacheLines,
    private readonly peers: PeerClients,
    @InjectMetric(CACHE_METRICS.forwardsSent) private readonly forwardsSent: Counter<'kind'>,
    @InjectMetric(CACHE_METRICS.writeBacks) private readonly writeBacks: Counter<'reason' | 'outcome'>,
    @InjectMetric(CACHE_METRICS.directoryEntries) private readonly entryGauge: Gauge,
    @InjectMetric(CACHE_METRICS.rebuilds) private readonly rebuilds: Counter,
    @InjectMetric(CACHE_METRICS.viewChanges) private readonly viewChanges: Counter,
  ) {
    this.versions = new VersionAllocator(() => this.memory.newVersionEpoch());
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry of a key this node is home for, for /coherence. */
  describe(key: string): { owner?: string; sharers: readonly string[]; version: number; state: string } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    return { ...(e.owner ? { owner: e.owner } : {}), sharers: e.sharers, version: e.version, state: entryStateName(e) };
  }

  /** Whether this node still runs a transaction, as a home, on a key homed at `home` in `view`. */
  busyFor(home: string, view: readonly string[]): boolean {
    for (const [key, e] of this.entries)
      if ((e.txn || e.queue.length > 0) && this.membership.homeIn(key, view) === home) return true;
    return false;
  }

  async handleRequest(msg: CoherenceRequest): Promise<CoherenceAnswer> {
    this.membership.heard(msg.from);
    while (this.rebuilding) await this.rebuilding;
    const home = this.membership.home(msg.key);
    if (home !== this.membership.self) return { notHome: home };
    // Serve only a requester that sees the same live nodes, only once this view's
    // directory is rebuilt from everyone's holdings, and only under the view lease (a
    // majority confirmed this view). Otherwise two nodes could each act as a key's home
    // (an asymmetric partition, a node coming back): found by the chaos suite. The
    // requester retries "views differ" until the views settle.
    const view = viewKey(this.membership.alive);
    if (viewKey(msg.view) !== view || this.rebuiltAt !== this.membership.epoch || !this.membership.canAct())
      return { viewDiffers: [...this.membership.alive] };
    const term = this.membership.term;
    return new Promise<CoherenceAnswer>((resolve, reject) => {
      this.waiters.set(msg.txn, { resolve, reject, term });
      this.feed(msg.key, {
        type: 'request',
        req: { txn: msg.txn, from: msg.from, kind: msg.kind, shared: msg.shared === true },
      });
    });
  }

  handleUnblock(msg: UnblockMessage): void {
    this.membership.heard(msg.from);
    this.feed(msg.key, { type: 'unblock', txn: msg.txn });
  }

  private feed(key: string, event: DirEvent): void {
    const { entry, actions } = stepDirectory(this.entries.get(key) ?? EMPTY_ENTRY, event);
    this.store(key, entry);
    for (const a of actions) void this.execute(key, a);
  }

  private store(key: string, entry: DirEntry): void {
    if (entryIsIdle(entry)) this.entries.delete(key);
    else this.entries.set(key, entry);
    this.entryGauge.set(this.entries.size);
  }

  private async execute(key: string, a: DirAction): Promise<void> {
    try {
      switch (a.type) {
        case 'forward': {
          this.forwardsSent.inc({ kind: a.kind });
          const reply = await this.forward(key, a.txn, a.to, a.kind);
          this.feed(key, { type: 'reply', txn: a.txn, from: a.to, reply });
          return;
        }
        case 'writeMemory': {
          const accepted = await this.retryMemory(() => this.memory.write(key, a.value, a.version));
          this.writeBacks.inc({ reason: 'transfer', outcome: accepted ? 'ok' : 'fenced' });
          this.feed(key, { type: 'memoryWritten', txn: a.txn });
          return;
        }
        case 'readMemory': {
          const m = await this.memory.read(key);
          this.feed(key, { type: 'memoryRead', txn: a.txn, ...m });
          return;
        }
        case 'allocateVersion': {
          // A getMD also reads memory's value: any dirty data of the old owner is there by now.
          const [version, current] = await Promise.all([
            this.versions.next(this.membership.term),
            a.withValue ? this.memory.read(key) : undefined,
          ]);
          this.feed(key, {
            type: 'versionAllocated',
            txn: a.txn,
            version,
            ...(current ? { current: current.value !== undefined ? { value: current.value } : {} } : {}),
          });
          return;
        }
        case 'deleteMemory': {
          // An old owner's value may remember a fence memory has not seen yet: the tombstone keeps it.
          const seen = rememberedFence(this.entries.get(key)?.txn?.seenValue, Date.now());
          const version = await this.versions.next(this.membership.term);
          this.feed(key, { type: 'memoryDeleted', txn: a.txn, ...(await this.memory.delete(key, version, seen)) });
          return;
        }
        case 'grant': {
          const waiter = this.waiters.get(a.txn);
          this.waiters.delete(a.txn);
          // A copy granted after the view lease lapsed (or moved on) since the request came
          // could meet a write made meanwhile in another view: not granted. The entry then
          // lists the requester as a holder it is not, which is safe (an Invalid reply later).
          const copy = a.grant.kind === 'read' || a.grant.kind === 'write';
          if (copy && waiter && (this.membership.term !== waiter.term || !this.membership.canAct())) {
            waiter.resolve({ viewDiffers: [...this.membership.alive] });
            this.feed(key, { type: 'unblock', txn: a.txn });
            return;
          }
          waiter?.resolve({ grant: a.grant });
          // A requester that died (or whose unblock got lost) must not stall the key for good.
          if (a.grant.kind !== 'evict')
            setTimeout(() => this.feed(key, { type: 'unblock', txn: a.txn }), CACHE_UNBLOCK_TIMEOUT_MS).unref();
          return;
        }
      }
    } catch (err) {
      // Redis failed: end the transaction, tell the requester.
      const txn = a.txn;
      this.logger.warn(`${key}: ${a.type} failed: ${(err as Error).message}`);
      // A delete that reached Redis may have happened even though the reply was lost; the other steps change nothing a client can read.
      const message = `the cache's memory (Redis) failed: ${(err as Error).message}`;
      this.waiters.get(txn)?.reject(a.type === 'deleteMemory' ? outcomeUnknown(message) : unavailable(message));
      this.waiters.delete(txn);
      this.feed(key, { type: 'fail', txn });
    }
  }

  /** Forwards to a holder until it answers, or counts as dead (its copy is then Invalid). */
  private async forward(key: string, txn: string, to: string, kind: 'invalidate' | 'downgrade'): Promise<ForwardReply> {
    for (;;) {
      try {
        const reply = await this.router.forward(
          to,
          { key, txn, kind, from: this.membership.self },
          CACHE_FORWARD_TIMEOUT_MS,
        );
        this.membership.heard(to);
        return reply;
      } catch {
        // Dead, or left out of this node's view (view-choice.ts): the entry forgets it with the
        // view change, and this node grants nothing in the new view before the holder's lease
        // from it ran out (view-lease.ts), so its copy counts as Invalid.
        if (!this.membership.alive.includes(to)) return INVALID_REPLY;
        if (await this.membership.waitUntilDead(to, performance.now() + 200)) return INVALID_REPLY;
      }
    }
  }

  /** An old owner's dirty data exists only in its reply: keep trying to store it. */
  private async retryMemory<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + MEMORY_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (performance.now() > deadline) throw err;
        await backoff(CACHE_DIRECTORY_MEMORY_RETRY, attempt);
      }
    }
  }

  // ---- membership changes --------------------------------------------------

  onApplicationBootstrap(): void {
    this.router.bind(this.membership.self, {
      request: (m) => this.handleRequest(m),
      unblock: (m) => this.handleUnblock(m),
    });
    this.membership.onChange((view, previous) => {
      this.viewChanges.inc();
      this.rebuiltAt = undefined;
      const gone = previous.filter((n) => !view.includes(n));
      for (const [key, entry] of this.entries) {
        let e = entry;
        for (const n of gone) e = forgetNode(e, n);
        this.store(key, e);
      }
      if (this.membership.hasQuorum(view)) void this.rebuild(view);
      else for (const [key, e] of this.entries) if (!e.txn) this.entries.delete(key);
    });
    // A cluster of one (or a view that is already whole) sees no change to start from.
    if (this.membership.hasQuorum()) void this.rebuild(this.membership.alive);
  }

  /**
   * Rebuilds the entries of the keys this node is home for in `view` from
   * what every live node holds, and drops idle entries of keys it no longer
   * homes. Requests wait meanwhile; running transactions go on.
   */
  rebuild(view: readonly string[]): Promise<void> {
    const previous = this.rebuilding;
    this.rebuiltAt = undefined;
    const epoch = this.membership.epoch;
    const run = (async () => {
      await previous?.catch(() => undefined);
      // A newer view came while this one waited: its own rebuild follows.
      if (this.membership.epoch !== epoch) return;
      this.rebuilds.inc();
      const reports = new Map<string, HolderReport[]>();
      const add = (node: string, lines: HoldingsPage['lines']) => {
        for (const l of lines)
          reports.set(l.key, [...(reports.get(l.key) ?? []), { node, held: l.held, version: l.version }]);
      };
      add(this.membership.self, this.lines.holdings(this.membership.self, view));
      await Promise.all(
        view.filter((n) => n !== this.membership.self).map(async (n) => add(n, await this.holdingsOf(n, view, epoch))),
      );
      for (const [key, entry] of this.entries) {
        if (!entry.txn && entry.queue.length === 0 && this.membership.homeIn(key, view) !== this.membership.self)
          this.entries.delete(key);
      }
      for (const [key, holders] of reports) {
        const current = this.entries.get(key);
        if (current?.txn || (current?.queue.length ?? 0) > 0) continue;
        try {
          this.store(key, rebuildEntry(holders));
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          this.logger.error(`${key}: ${err.message}; invalidating every copy`);
          await this.invalidateAll(key, holders);
        }
      }
      this.entryGauge.set(this.entries.size);
      if (this.membership.epoch === epoch) {
        this.rebuiltAt = epoch;
        this.membership.directoryReady(epoch);
      }
    })().catch((err: unknown) => {
      if (!(err instanceof ViewChangedError))
        this.logger.error(`rebuild for ${viewKey(view)} failed: ${(err as Error).message}`);
    });
    const tracked = run.finally(() => {
      if (this.rebuilding === tracked) this.rebuilding = undefined;
    });
    this.rebuilding = tracked;
    return tracked;
  }

  /**
   * A node's holdings, asked until it answers in the same view (it refuses while its
   * view differs), or is counted dead (its copies are then Invalid), or this node's
   * view changes (ViewChangedError: the rebuild for the new view takes over).
   */
  private async holdingsOf(node: string, view: readonly string[], epoch: number): Promise<HoldingsPage['lines']> {
    const lines: HoldingsPage['lines'][number][] = [];
    for (let offset = 0; ;) {
      if (this.membership.epoch !== epoch) throw new ViewChangedError();
      try {
        const page = await this.peers.call(node, 'cache.holdings', {
          from: this.membership.self,
          view: [...view],
          offset,
        });
        lines.push(...page.lines);
        offset += page.lines.length;
        if (offset >= page.total || page.lines.length === 0) return lines;
      } catch {
        if (await this.membership.waitUntilDead(node, performance.now() + 200)) return [];
      }
    }
  }

  /** Reports that break single-writer-multiple-readers (cannot happen unless views disagreed): start the key afresh. */
  private async invalidateAll(key: string, holders: readonly HolderReport[]): Promise<void> {
    for (const h of holders) {
      const reply = await this.forward(
        key,
        `rebuild:${this.membership.self}:${key}:${h.node}:${Date.now()}`,
        h.node,
        'invalidate',
      );
      if (reply.dirty && reply.value !== undefined) await this.memory.write(key, reply.value, reply.version);
    }
    this.entries.delete(key);
  }
}

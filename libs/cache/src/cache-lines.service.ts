import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import {
  INVALID_LINE,
  lineStateName,
  stepLine,
  type ForwardReply,
  type Line,
  type LineAction,
  type LineEvent,
  type LocalResult,
  type Modify,
} from '@dss/mesi';
import { backoff } from '@dss/backoff';
import { tally, type Tally } from '@dss/metrics';
import {
  CACHE_DELETE_WRITE_BACK_RETRY,
  CACHE_DELETE_WRITE_BACK_RETRY_MS,
  CACHE_DISCARD_RETRY,
  CACHE_HANDOVER_WRITE_BACK_ROUNDS,
  CACHE_IO_CONCURRENCY,
  CACHE_HEARTBEAT_MS,
  CACHE_MEMBERSHIP_RETRIES,
  CACHE_REMEMBERED_REPLIES,
  CACHE_SETTLE_WAIT_MS,
  CACHE_WRITE_MEMORY_MS,
} from './cache-limits.js';
import { CacheMembership } from './cache-membership.service.js';
import { CACHE_METRICS } from './cache-metrics.js';
import { CACHE_SETTINGS, type ResolvedCacheSettings } from './cache-settings.js';
import { unavailable } from './cache-errors.js';
import { CoherenceRouter, type ForwardMessage } from './coherence-router.js';
import { HomeClient, type Granted } from './home-client.service.js';
import { KeyedMutex } from './keyed-mutex.js';
import { LruStore } from './lru/index.js';
import { CacheMemory } from './memory/cache-memory.js';

type LocalOp = Extract<LineEvent, { type: 'load' | 'store' | 'modify' | 'delete' | 'evict' }>;
export type WriteBackReason = 'evict' | 'flush' | 'shutdown' | 'transfer';

/** Bytes a line costs in the LRU: its key and value plus bookkeeping. */
const LINE_OVERHEAD_BYTES = 64;
const lineBytes = (key: string, line: Line): number =>
  Buffer.byteLength(key) + (line.value ? Buffer.byteLength(line.value) : 0) + LINE_OVERHEAD_BYTES;

/**
 * This node's cache: the lines (an LRU bounded by entries and bytes), each
 * driven by the pure MESI controller of @dss/mesi. Local operations on a key
 * run one at a time; forwards from homes act at once. Dirty lines reach Redis
 * on eviction, on downgrade (through the home), on the flush timer and on a
 * graceful stop.
 */
@Injectable()
export class CacheLines implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cache');
  private readonly store: LruStore<Line>;
  private readonly locks = new KeyedMutex();
  private readonly writeBacks = new Map<string, Promise<unknown>>();
  private readonly replies = new Map<string, Promise<ForwardReply>>();
  /** Keys of Modified lines with writes memory has not seen: what a flush writes. */
  private readonly dirtyKeys = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  private stopping = false;
  private timerFlushing = false;

  private readonly localGets: Tally;
  private readonly localPuts: Tally;

  constructor(
    @Inject(CACHE_SETTINGS) private readonly settings: ResolvedCacheSettings,
    private readonly membership: CacheMembership,
    private readonly router: CoherenceRouter,
    private readonly homes: HomeClient,
    private readonly memory: CacheMemory,
    @InjectMetric(CACHE_METRICS.gets) private readonly gets: Counter<'outcome'>,
    @InjectMetric(CACHE_METRICS.puts) private readonly puts: Counter<'outcome'>,
    @InjectMetric(CACHE_METRICS.deletes) private readonly deletes: Counter<'outcome'>,
    @InjectMetric(CACHE_METRICS.forwardsReceived) private readonly forwardsReceived: Counter<'kind'>,
    @InjectMetric(CACHE_METRICS.writeBacks) private readonly writeBackCount: Counter<'reason' | 'outcome'>,
    @InjectMetric(CACHE_METRICS.evictions) private readonly evictions: Counter<'reason'>,
  ) {
    this.store = new LruStore<Line>({ maxEntries: settings.maxEntries, maxBytes: settings.maxBytes });
    // Tallies: prom-client's inc hashes the labels on every read (@dss/metrics, tally.ts).
    this.localGets = tally(gets, { outcome: 'local' });
    this.localPuts = tally(puts, { outcome: 'local' });
  }

  get self(): string {
    return this.membership.self;
  }

  // ---- client operations ---------------------------------------------------

  async read(key: string): Promise<Extract<LocalResult, { op: 'read' }>> {
    const result = (await this.local(key, { type: 'load' })) as Extract<LocalResult, { op: 'read' }>;
    this.gets.inc({ outcome: result.found ? result.source : 'not_found' });
    return result;
  }

  async write(key: string, value: string): Promise<void> {
    const remote = await this.local(key, { type: 'store', value });
    this.puts.inc({ outcome: remote.remote ? 'remote' : 'local' });
  }

  /**
   * The hot path: a hit answered in this tick, without a promise, or undefined when the
   * read must take the full path (no copy here, an operation on the key under way, the view
   * or the home's lease not confirmed, the node stopping). The same checks as local() and
   * drive() make, at the same instant as the answer.
   */
  readNow(key: string): Extract<LocalResult, { op: 'read'; found: true }> | undefined {
    if (this.stopping || this.locks.busy(key)) return undefined;
    const line = this.store.get(key);
    if (!line || line.held === 'I' || line.pending || !this.membership.servesCopyOf(key)) return undefined;
    this.localGets.add();
    return { op: 'read', found: true, value: line.value!, state: line.held, source: 'local' };
  }

  /**
   * A write that an owner (M or E) takes in this tick, or false when it must take the full
   * path; the same checks as readNow, plus memory reached lately (local() explains why).
   * `next` builds the value from the owner's current one (to carry its fence forward).
   */
  writeNow(key: string, next: (current: string) => string): boolean {
    if (this.stopping || this.locks.busy(key)) return false;
    const line = this.store.peek(key);
    if (!line || (line.held !== 'M' && line.held !== 'E') || line.pending) return false;
    if (!this.membership.servesCopyOf(key) || !this.membership.reachedMemoryWithin(CACHE_WRITE_MEMORY_MS)) return false;
    this.apply(key, { type: 'store', value: next(line.value!) });
    this.localPuts.add();
    this.evictIfFull();
    return true;
  }

  /**
   * A read-modify-write: `fn` runs once, on the newest value, while this node owns the
   * line (a counter, a conditional set, a new expiry). It may record what it computed.
   */
  async modify(key: string, fn: Modify): Promise<void> {
    const remote = await this.local(key, { type: 'modify', fn });
    this.puts.inc({ outcome: remote.remote ? 'remote' : 'local' });
  }

  /**
   * Deletes the key; answers the value it removed (whatever its expiry), if there was one.
   * With `tombstoneOf`, an owner (M or E) whose value it turns into a tombstone (a value
   * remembering a fencing token) writes that instead, at once: its data may be dirty, newer
   * than memory, and the home's delete keeps only the fence memory or other holders have.
   */
  async remove(key: string, tombstoneOf?: Modify): Promise<{ removed?: string }> {
    let removed: string | undefined;
    let tombstoned = false;
    const result = await this.local(key, () => {
      const line = this.store.peek(key);
      if (!tombstoneOf || !line || (line.held !== 'M' && line.held !== 'E') || line.pending) return { type: 'delete' };
      if (tombstoneOf(line.value) === undefined) return { type: 'delete' };
      // Applied in this same tick (drive), so the owner's value is still the one just checked.
      return {
        type: 'modify',
        fn: (current) => {
          removed = current;
          const next = tombstoneOf(current);
          tombstoned = next !== undefined;
          return next;
        },
      };
    });
    if (result.op === 'modify') {
      if (!tombstoned) return this.remove(key, tombstoneOf); // (never expected: see above)
      this.deletes.inc({ outcome: 'deleted' });
      return removed !== undefined ? { removed } : {};
    }
    if (result.op !== 'delete') throw new Error(`delete of ${key} answered ${result.op}`);
    this.deletes.inc({ outcome: result.existed ? 'deleted' : 'not_found' });
    return result.value !== undefined ? { removed: result.value } : {};
  }

  /** Writes back every dirty line now; resolves to how many were written. */
  async flushAll(reason: WriteBackReason): Promise<number> {
    const dirty = [...this.dirtyKeys];
    let written = 0;
    await inBatches(dirty, async (key) => {
      for (const a of this.apply(key, { type: 'flush' })) {
        if (a.type === 'writeBack' && (await this.writeBack(key, a, reason))) written++;
        // (An eviction waiting for this same data finishes through its own write-back.)
      }
    });
    return written;
  }

  /** The timer's flush; skipped while the previous one still runs (a slow Redis must not pile them up). */
  private async flushOnTimer(): Promise<void> {
    if (this.timerFlushing) return;
    this.timerFlushing = true;
    try {
      await this.flushAll('flush');
    } finally {
      this.timerFlushing = false;
    }
  }

  /** The line's state for /coherence. */
  peek(key: string): { state: string; version: number; dirty: boolean } {
    const line = this.store.peek(key) ?? INVALID_LINE;
    return { state: lineStateName(line), version: line.version, dirty: line.dirty };
  }

  /** What this node holds of keys whose home in `view` is `home` (for a rebuilding home). */
  holdings(home: string, view: readonly string[]): { key: string; held: Line['held']; version: number }[] {
    const out: { key: string; held: Line['held']; version: number }[] = [];
    for (const [key, line] of this.store.entries()) {
      if (line.held !== 'I' && this.membership.homeIn(key, view) === home)
        out.push({ key, held: line.held, version: line.version });
    }
    return out;
  }

  counts(): { states: Record<'M' | 'E' | 'S' | 'I', number>; lines: number; bytes: number } {
    const states = { M: 0, E: 0, S: 0, I: 0 };
    for (const [, line] of this.store.entries()) states[line.held]++;
    return { states, lines: this.store.size, bytes: this.store.bytes };
  }

  // ---- messages from homes -------------------------------------------------

  /** A home's invalidate or downgrade: acts on what this node holds, pending op or not. */
  handleForward(msg: ForwardMessage): Promise<ForwardReply> {
    this.membership.heard(msg.from);
    // A retried forward gets the answer the first one got (or will get): the data may be in it.
    const id = `${msg.key}\u0000${msg.txn}:${msg.kind}`;
    const known = this.replies.get(id);
    if (known) return known;
    this.forwardsReceived.inc({ kind: msg.kind });
    const reply = (async () => {
      // A write-back in flight must land before the home writes newer data after it.
      await this.writeBacks.get(msg.key);
      await this.cleanBeforeHandOver(msg.key);
      const action = this.apply(msg.key, { type: 'forward', kind: msg.kind }).find((a) => a.type === 'reply');
      if (!action || action.type !== 'reply') throw new Error(`forward on ${msg.key} produced no reply`);
      return action.reply;
    })();
    // A failed hand-over changed nothing here: the home's retry must try again, not get this failure.
    reply.catch(() => {
      if (this.replies.get(id) === reply) this.replies.delete(id);
    });
    this.replies.set(id, reply);
    if (this.replies.size > CACHE_REMEMBERED_REPLIES) this.replies.delete(this.replies.keys().next().value!);
    return reply;
  }

  /**
   * Writes dirty data back before a forward hands it to the home. Were the home
   * to store it instead, a home killed between this node's reply and its own
   * write would lose an acknowledged write: this copy is then Shared (clean) or
   * gone, and the next home reads the older value from memory (found by the
   * chaos suite). Local writes may dirty the line again meanwhile, so this
   * loops a few times, then leaves what is left to the home as before.
   */
  private async cleanBeforeHandOver(key: string): Promise<void> {
    for (let i = 0; i < CACHE_HANDOVER_WRITE_BACK_ROUNDS; i++) {
      const wb = this.apply(key, { type: 'flush' }).find((a) => a.type === 'writeBack');
      if (!wb || wb.type !== 'writeBack') return;
      if (!(await this.writeBack(key, wb, 'transfer')))
        throw unavailable(`${key}: could not write its Modified data back before handing it over`);
    }
  }

  // ---- the driver ----------------------------------------------------------

  /** `op` may be chosen under the key's lock, from what the line holds then. */
  private async local(key: string, op: LocalOp | (() => LocalOp)): Promise<LocalResult & { remote?: boolean }> {
    if (this.stopping) throw unavailable('this cache node is stopping');
    if (!this.membership.hasQuorum())
      throw unavailable(
        `this cache node sees ${this.membership.alive.length} of ${this.membership.ring.nodes.length} cache nodes, not a majority`,
      );
    // Right after a membership change the nodes confirm the new view to each other (a lease apart).
    if (!(await this.membership.untilCanAct(performance.now() + CACHE_SETTLE_WAIT_MS))) {
      throw unavailable(
        `this cache node's view of the live cache nodes (${this.membership.alive.join(', ')}) is not confirmed by a majority`,
      );
    }
    return this.locks.run(key, async () => {
      for (let drops = 0, moved = 0; ;) {
        const event = typeof op === 'function' ? op() : op;
        if (!this.leaseHolds(key)) {
          if (drops++ > 1)
            throw unavailable(
              `this node's copy of the key is not confirmed by its home (${this.membership.home(key)}); try again`,
            );
          if (!(await this.writeBackThenDrop(key, 'lease')))
            throw unavailable(
              `this node's copy of the key could not be written back to memory (Redis) before asking its home again; try again`,
            );
          continue;
        }
        if (event.type !== 'load' && !this.membership.reachedMemoryWithin(CACHE_WRITE_MEMORY_MS)) {
          throw unavailable(
            `this cache node has not reached memory (Redis) for ${CACHE_WRITE_MEMORY_MS} ms: a write it could not write back would be lost`,
          );
        }
        try {
          // Checked in the same tick as drive() applies the operation (it runs synchronously
          // up to its first await), so a hit is served only under a lease valid at that instant.
          return await this.drive(key, event);
        } catch (err) {
          // A grant handed back unused: nothing happened, so ask again once the view settles
          // (the home's own wait may have used up the first settling time: a fresh one).
          if (!(err instanceof MembershipMoved) || ++moved > CACHE_MEMBERSHIP_RETRIES)
            throw err instanceof MembershipMoved ? unavailable(err.message) : err;
          if (!(await this.membership.untilCanAct(performance.now() + CACHE_SETTLE_WAIT_MS)))
            throw unavailable(err.message);
        }
      }
    });
  }

  /**
   * A copy may be used without asking only while the view lease and the key's
   * home confirm it (see CacheMembership). Past it the home may have counted
   * this node dead and let another write, so the copy is dropped (dirty data is
   * written back first, fenced by its version) and the operation asks the home
   * afresh. Dirty data that cannot reach memory is kept (the operation fails):
   * the home may still count this node as the owner, and dropping it would lose
   * an acknowledged write (found by the chaos suite, with Redis failing over).
   */
  private leaseHolds(key: string): boolean {
    const line = this.store.peek(key);
    return !line || line.held === 'I' || this.membership.servesCopyOf(key);
  }

  /** Feeds `event` and carries out the actions until the local op is answered. */
  private async drive(key: string, event: LocalOp): Promise<LocalResult & { remote?: boolean }> {
    const queue: LineAction[] = [...this.apply(key, event)];
    let result: (LocalResult & { remote?: boolean }) | undefined;
    let remote = false;
    let granted: Granted | undefined;
    while (queue.length > 0) {
      const a = queue.shift()!;
      switch (a.type) {
        case 'answer':
          result = a.result;
          break;
        case 'request': {
          remote = true;
          const answer = await this.homes.request(key, a.kind, a.shared).catch(async (err: unknown) => {
            this.apply(key, { type: 'abort' });
            // Dropping a line the home cannot hear about is fine: its directory only over-counts.
            if (a.kind === 'evict') return undefined;
            if (a.kind === 'del') await this.dropAfterFailedDelete(key);
            throw err;
          });
          if (!answer) {
            result = { op: 'evict' };
            break;
          }
          // Installed only in the view-lease term it was asked in, and only while this node
          // may act (checked in the same tick as the grant is applied): hand it back otherwise.
          if (
            (answer.grant.kind === 'read' || answer.grant.kind === 'write') &&
            (answer.term !== this.membership.term || !this.membership.canAct())
          ) {
            this.apply(key, { type: 'abort' });
            this.homes.unblock(answer, key);
            throw new MembershipMoved('the cache membership changed while this request was served; try again');
          }
          // Granted on the strength of a shared copy that a discard dropped meanwhile (the home's
          // lease lapsed here): nothing to build the value from. Hand it back (the home only
          // over-counts) and ask again, now without a copy.
          const fromCopy = a.kind === 'getMD' && answer.grant.kind === 'write' && !answer.grant.current;
          if (fromCopy && this.store.peek(key)?.held !== 'S') {
            this.apply(key, { type: 'abort' });
            this.homes.unblock(answer, key);
            throw new MembershipMoved('this node dropped its copy while asking for ownership; try again');
          }
          granted = answer;
          queue.push(...this.apply(key, { type: 'grant', grant: answer.grant }));
          break;
        }
        case 'unblock':
          if (granted) this.homes.unblock(granted, key);
          break;
        case 'writeBack': {
          const done = await this.writeBack(key, a, 'evict');
          if (!done) {
            this.apply(key, { type: 'abort' });
            throw unavailable('the write-back to Redis failed; the line stays Modified here');
          }
          queue.push(...done);
          break;
        }
        case 'reply':
          throw new Error('a local operation produced a forward reply');
      }
    }
    this.evictIfFull();
    if (!result) throw new Error(`local ${event.type} on ${key} was not answered`);
    return { ...result, remote };
  }

  /**
   * A delete whose outcome is unknown may have happened at the home, which then
   * forgot this node's copy: keeping it would serve a deleted value. So the copy
   * goes, dirty data first to memory through the version fence (refused if the
   * delete did happen, kept if it did not). The write-back is retried while
   * Redis is down (a failover): dropping unwritten data would lose the write
   * that the delete, if it did not happen, left in place (found by the chaos suite).
   */
  private async dropAfterFailedDelete(key: string): Promise<void> {
    const deadline = performance.now() + CACHE_DELETE_WRITE_BACK_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      // Re-read each time: a forward may have taken the data meanwhile.
      const line = this.store.peek(key);
      if (!line || line.held !== 'M' || !line.dirty) break;
      try {
        const accepted = await this.memory.write(key, line.value!, line.version);
        this.writeBackCount.inc({ reason: 'evict', outcome: accepted ? 'ok' : 'fenced' });
        break;
      } catch (err) {
        if (performance.now() >= deadline) {
          this.writeBackCount.inc({ reason: 'evict', outcome: 'failed' });
          this.logger.error(
            `${key}: dropped after a delete of unknown outcome; its unwritten data is lost (memory unreachable for ${CACHE_DELETE_WRITE_BACK_RETRY_MS} ms: ${(err as Error).message})`,
          );
          break;
        }
        await backoff(CACHE_DELETE_WRITE_BACK_RETRY, attempt + 1); // attempt counts from 0
      }
    }
    this.forgetLine(key);
  }

  /** Writes a line's data back; resolves to the line's next actions once memory has it (or something newer), or undefined on failure. */
  private async writeBack(
    key: string,
    a: Extract<LineAction, { type: 'writeBack' }>,
    reason: WriteBackReason,
  ): Promise<readonly LineAction[] | undefined> {
    const previous = this.writeBacks.get(key);
    const run = (async () => {
      await previous;
      try {
        const accepted = await this.memory.write(key, a.value, a.version);
        this.writeBackCount.inc({ reason, outcome: accepted ? 'ok' : 'fenced' });
        return this.apply(key, { type: 'writeBackDone', writes: a.writes });
      } catch (err) {
        this.writeBackCount.inc({ reason, outcome: 'failed' });
        this.logger.warn(`write-back of ${key} failed: ${(err as Error).message}`);
        return undefined;
      }
    })();
    this.writeBacks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.writeBacks.get(key) === run) this.writeBacks.delete(key);
    }
  }

  /** Steps the line and stores the result (an idle Invalid line is dropped). */
  private apply(key: string, event: LineEvent): readonly LineAction[] {
    const line = this.store.peek(key) ?? INVALID_LINE;
    const { line: next, actions } = stepLine(line, event);
    if (next.held === 'I' && !next.pending) this.forgetLine(key);
    else {
      this.store.set(key, next, lineBytes(key, next));
      if (next.held === 'M' && next.dirty) this.dirtyKeys.add(key);
      else this.dirtyKeys.delete(key);
    }
    return actions;
  }

  private forgetLine(key: string): void {
    this.store.delete(key);
    this.dirtyKeys.delete(key);
  }

  private evictIfFull(): void {
    if (!this.store.overLimit()) return;
    for (const key of this.store.victims((k) => this.locks.busy(k)))
      void this.locks.run(key, () => this.dropLine(key, 'lru'));
  }

  /** Evicts a line (the caller holds the key's lock): dirty data goes to memory first, and a failed write-back keeps the line. */
  private async dropLine(key: string, reason: 'lru' | 'shutdown'): Promise<void> {
    if (!this.store.has(key)) return;
    try {
      await this.drive(key, { type: 'evict' });
      this.evictions.inc({ reason });
    } catch (err) {
      this.logger.warn(`evicting ${key} (${reason}): ${(err as Error).message}`);
    }
  }

  // ---- lifecycle -----------------------------------------------------------

  onApplicationBootstrap(): void {
    this.router.bind(this.self, { forward: (msg) => this.handleForward(msg) });
    this.flushTimer = setInterval(() => void this.flushOnTimer(), this.settings.flushIntervalMs);
    this.flushTimer.unref();
    // A new view-lease term (the view changed, or no majority confirmed it for a while):
    // another view may have written meanwhile, so no copy of an earlier term is trusted.
    this.membership.onTerm((term) => void this.discardAll(term));
    this.membership.onHomeTerm((home, term) => void this.discardHomedAt(home, term));
    this.membership.probeMemoryWith(() => this.memory.reachable(CACHE_HEARTBEAT_MS * 2));
    void this.discardAll(this.membership.term);
  }

  /**
   * Drops every copy for a new term, then tells the membership this node may act in it.
   * Like a home's invalidate (it acts on what is held, pending operation or not, and takes no
   * key lock): dirty data goes to memory first, retried while memory fails, until the term
   * moves on again (that term's own discard takes over). No eviction notice: a directory
   * that still lists this node only over-counts.
   */
  private async discardAll(term: number): Promise<void> {
    await inBatches([...this.store.keys()], (key) =>
      this.discard(key, () => this.membership.term === term, 'membership'),
    );
    if (this.membership.term === term) this.membership.cleaned(term);
  }

  /** The same for the copies homed at `home`, whose confirmation lapsed: it may have counted this node dead. */
  private async discardHomedAt(home: string, term: number): Promise<void> {
    const current = () => this.membership.homeTerm(home) === term;
    await inBatches(
      [...this.store.keys()].filter((key) => this.membership.home(key) === home),
      (key) => this.discard(key, current, 'lease'),
    );
    if (current()) this.membership.homeCleaned(home, term);
  }

  private async discard(key: string, current: () => boolean, reason: 'lease' | 'membership'): Promise<void> {
    for (let attempt = 0; current(); attempt++) {
      if (
        await this.writeBackThenDrop(
          key,
          reason === 'membership' && !this.membership.hasQuorum() ? 'no_majority' : reason,
        )
      )
        return;
      await backoff(CACHE_DISCARD_RETRY, attempt + 1); // attempt counts from 0
    }
  }

  /**
   * Drops a copy, its dirty data first to memory (fenced by version); true once the line is
   * gone, false when memory failed or a local write dirtied it again (the line is kept).
   * Like a home's invalidate, it acts on what is held, pending operation or not.
   */
  private async writeBackThenDrop(key: string, reason: 'lease' | 'membership' | 'no_majority'): Promise<boolean> {
    try {
      await this.writeBacks.get(key);
      await this.cleanBeforeHandOver(key);
    } catch {
      return false;
    }
    const line = this.store.peek(key);
    if (!line || line.held === 'I') return true;
    if (line.held === 'M' && line.dirty) return false;
    this.apply(key, { type: 'forward', kind: 'invalidate' });
    this.evictions.inc({ reason });
    return true;
  }

  /** Graceful stop: finish local operations, write back every dirty line, then let the homes know. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.flushTimer);
    await this.locks.idle();
    const flushed = await this.flushAll('shutdown');
    await this.dropAll('shutdown');
    this.logger.log(`stopped: ${flushed} Modified line(s) written back`);
  }

  private async dropAll(reason: 'shutdown'): Promise<void> {
    await inBatches([...this.store.keys()], (key) => this.locks.run(key, () => this.dropLine(key, reason)));
  }
}

/** A grant arrived in a later view-lease term and was handed back unused: the operation may be asked again. */
class MembershipMoved extends Error {}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += CACHE_IO_CONCURRENCY)
    await Promise.all(items.slice(i, i + CACHE_IO_CONCURRENCY).map(fn));
}

import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import type { DataSource, Stable } from '@dss/mesi';
import { ApiError } from '@dss/http';
import { CacheLines } from '../cache-lines.service.js';
import { fencedOut } from '../cache-errors.js';
import { CACHE_LIMITS } from '../cache-limits.js';
import { CACHE_METRICS } from '../cache-metrics.js';
import { increment } from './counters.js';
import { fenceAdmits, fenceAfter, rememberedFence, tombstone } from './fences.js';
import { bodyLength, decodeStored, encodeStored, isLive, isTombstone, type Stored } from './stored-value.js';

// The cache's operations on values, for both protocols (HTTP: cache.controller.ts, Redis's:
// resp/). Expiry is checked here against this node's clock: a value past its expiry reads
// as absent everywhere, whatever copy holds it. Everything that reads and then writes runs
// as one read-modify-write on the line (CacheLines.modify), so it is atomic across nodes.
// Every write keeps the key's fencing token (values/fences.ts): a fenced one checks it and
// raises it, any other carries it forward, so no write lowers it.

export interface Found extends Stored {
  readonly state: Stable;
  readonly source: DataSource;
}

/** SET's options (Redis's SET; HTTP PUT uses `expiresAt` alone). */
export interface SetOptions {
  /** Absent: no expiry (or the old one, with keepTtl). */
  readonly expiresAt?: number;
  readonly keepTtl?: boolean;
  /** NX: only if absent; XX: only if present. */
  readonly only?: 'NX' | 'XX';
  /** Answer the value before the write (SET … GET). */
  readonly get?: boolean;
  /** A fencing token: refused (FENCED) when the key remembers a higher one. */
  readonly fence?: number;
}

export interface SetOutcome {
  readonly written: boolean;
  /** With `get`: the live value before, if any. */
  readonly previous?: Stored;
}

/** EXPIRE's conditions (Redis 7): NX only without an expiry, XX only with one, GT/LT only later/earlier. */
export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

@Injectable()
export class CacheValues {
  constructor(
    private readonly lines: CacheLines,
    @InjectMetric(CACHE_METRICS.fenced) private readonly fenced: Counter<'op'>,
  ) {}

  /** A hit answered in this tick (null: a copy here says there is no live value), or undefined: ask get(). */
  getNow(key: string): Found | null | undefined {
    const r = this.lines.readNow(key);
    return r && (found(r) ?? null);
  }

  async get(key: string): Promise<Found | undefined> {
    const now = this.getNow(key);
    if (now !== undefined) return now ?? undefined;
    const r = await this.lines.read(key);
    return r.found ? found(r) : undefined;
  }

  /** A plain SET that an owner takes in this tick; false: call set(). */
  setNow(key: string, body: string, expiresAt?: number): boolean {
    checkSize(body);
    return this.lines.writeNow(key, replacing(body, expiresAt));
  }

  async set(key: string, body: string, opts: SetOptions = {}): Promise<SetOutcome> {
    checkSize(body);
    const { fence } = opts;
    // A plain write reads nothing but the fence, which it carries forward: an owner has it
    // here; anyone else gets it with ownership (the same peer messages as a blind write: from
    // its own shared copy, or read from memory while the home makes the version).
    if (fence === undefined && !opts.keepTtl && !opts.only && !opts.get) {
      const next = replacing(body, opts.expiresAt);
      if (!this.lines.writeNow(key, next)) await this.lines.modify(key, next);
      return { written: true };
    }
    let outcome: SetOutcome = { written: false };
    let refusedBy: number | undefined;
    await this.lines.modify(key, (raw) => {
      const now = Date.now();
      const remembered = rememberedFence(raw, now);
      if (fence !== undefined && !fenceAdmits(fence, remembered)) {
        refusedBy = remembered;
        return undefined;
      }
      const before = live(raw, now);
      const written = opts.only === undefined || (opts.only === 'NX') === (before === undefined);
      outcome = { written, ...(opts.get && before ? { previous: before } : {}) };
      if (!written) return undefined;
      const expiresAt = opts.keepTtl ? before?.expiresAt : opts.expiresAt;
      return encodeStored({ body, ...expiry(expiresAt), ...fenceAfter(fence, remembered) });
    });
    if (fence !== undefined && refusedBy !== undefined) throw this.refuse('set', key, fence, refusedBy);
    return outcome;
  }

  /**
   * Deletes the key; answers the live value it removed, if any. A key that remembers a
   * fencing token keeps it in a tombstone (values/fences.ts); with `fence`, the delete is
   * refused (FENCED) when the key remembers a higher token, and leaves a tombstone of `fence`
   * whether or not there was a value.
   */
  async delete(key: string, fence?: number): Promise<Stored | undefined> {
    if (fence === undefined) {
      const { removed } = await this.lines.remove(key, (raw) => {
        const now = Date.now();
        const remembered = rememberedFence(raw, now);
        return remembered === undefined ? undefined : encodeStored(tombstone(remembered, now));
      });
      return live(removed, Date.now());
    }
    let removed: Stored | undefined;
    let refusedBy: number | undefined;
    await this.lines.modify(key, (raw) => {
      const now = Date.now();
      const remembered = rememberedFence(raw, now);
      if (!fenceAdmits(fence, remembered)) {
        refusedBy = remembered;
        return undefined;
      }
      removed = live(raw, now);
      return encodeStored(tombstone(fence, now));
    });
    if (refusedBy !== undefined) throw this.refuse('delete', key, fence, refusedBy);
    return removed;
  }

  private refuse(op: 'set' | 'delete', key: string, token: number, remembered: number): ApiError {
    this.fenced.inc({ op });
    return fencedOut(key, token, remembered);
  }

  /** Adds `by` (INCRBY): answers the new value; the expiry stays. */
  async incrementBy(key: string, by: bigint): Promise<bigint> {
    let result: ReturnType<typeof increment> | undefined;
    await this.lines.modify(key, (raw) => {
      const now = Date.now();
      const before = live(raw, now);
      result = increment(before?.body, by);
      // Counters are not fenced, but keep the key's fence like any unfenced write.
      const fence = fenceAfter(undefined, rememberedFence(raw, now));
      return result.ok ? encodeStored({ body: result.body, ...expiry(before?.expiresAt), ...fence }) : undefined;
    });
    if (!result) throw new Error(`increment of ${key} did not run`);
    if (!result.ok) throw new ApiError('INVALID_ARGUMENT', result.error);
    return result.value;
  }

  /**
   * Sets (or with `expiresAt` undefined, removes: PERSIST) the key's expiry; false when the
   * key is absent or the condition refused it. An instant already past deletes the value.
   */
  async expire(key: string, expiresAt: number | undefined, condition?: ExpireCondition): Promise<boolean> {
    let changed = false;
    await this.lines.modify(key, (raw) => {
      const before = live(raw, Date.now());
      if (!before || !allowed(before.expiresAt, expiresAt, condition)) return undefined;
      if (expiresAt === undefined && before.expiresAt === undefined) return undefined; // PERSIST without an expiry
      changed = true;
      // The fence goes with the value: it lives as long (values/fences.ts).
      return encodeStored({ body: before.body, ...expiry(expiresAt), ...fenceAfter(undefined, before.fence) });
    });
    return changed;
  }
}

/** A read's value, if it is live. */
function found(r: { readonly value: string; readonly state: Stable; readonly source: DataSource }): Found | undefined {
  const stored = live(r.value, Date.now());
  if (stored === undefined) return undefined;
  // Every read hit builds one: a literal with fixed fields, not a spread of optional ones.
  const f: { -readonly [K in keyof Found]: Found[K] } = { body: stored.body, state: r.state, source: r.source };
  if (stored.expiresAt !== undefined) f.expiresAt = stored.expiresAt;
  if (stored.fence !== undefined) f.fence = stored.fence;
  return f;
}

/** The live value of a raw line value (absent, expired or a tombstone: undefined). */
function live(raw: string | undefined, now: number): Stored | undefined {
  if (raw === undefined) return undefined;
  const s = decodeStored(raw);
  return isLive(s, now) && !isTombstone(s) ? s : undefined;
}

/** A plain write's value built from the key's current raw value: the new body, the old fence. */
const replacing =
  (body: string, expiresAt: number | undefined) =>
  (raw: string | undefined): string =>
    encodeStored({ body, ...expiry(expiresAt), ...fenceAfter(undefined, rememberedFence(raw, Date.now())) });

const expiry = (expiresAt: number | undefined): { expiresAt?: number } =>
  expiresAt === undefined ? {} : { expiresAt };

function allowed(
  current: number | undefined,
  next: number | undefined,
  condition: ExpireCondition | undefined,
): boolean {
  switch (condition) {
    case undefined:
      return true;
    case 'NX':
      return current === undefined;
    case 'XX':
      return current !== undefined;
    // No expiry counts as an infinite one, as in Redis.
    case 'GT':
      return current !== undefined && next !== undefined && next > current;
    case 'LT':
      return next !== undefined && (current === undefined || next < current);
  }
}

/** The value size limit, for callers that check a whole batch before writing any of it (MSET). */
export function checkSize(body: string): void {
  const bytes = bodyLength(body);
  if (bytes > CACHE_LIMITS.maxValueBytes)
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `value: ${bytes} bytes, more than the limit of ${CACHE_LIMITS.maxValueBytes}`,
    );
}

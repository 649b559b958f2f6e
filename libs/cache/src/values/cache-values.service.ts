import { Injectable } from '@nestjs/common';
import type { DataSource, Stable } from '@dss/mesi';
import { ApiError } from '@dss/http';
import { CacheLines } from '../cache-lines.service.js';
import { CACHE_LIMITS } from '../cache-limits.js';
import { increment } from './counters.js';
import { bodyLength, decodeStored, encodeStored, isLive, type Stored } from './stored-value.js';

// The cache's operations on values, for both protocols (HTTP: cache.controller.ts, Redis's:
// resp/). Expiry is checked here against this node's clock: a value past its expiry reads
// as absent everywhere, whatever copy holds it. Everything that reads and then writes runs
// as one read-modify-write on the line (CacheLines.modify), so it is atomic across nodes.

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
  constructor(private readonly lines: CacheLines) {}

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
    return this.lines.writeNow(key, encodeStored({ body, ...expiry(expiresAt) }));
  }

  async set(key: string, body: string, opts: SetOptions = {}): Promise<SetOutcome> {
    checkSize(body);
    // A plain write replaces the value without reading it: no data travels with ownership.
    if (!opts.keepTtl && !opts.only && !opts.get) {
      const raw = encodeStored({ body, ...expiry(opts.expiresAt) });
      if (!this.lines.writeNow(key, raw)) await this.lines.write(key, raw);
      return { written: true };
    }
    let outcome: SetOutcome = { written: false };
    await this.lines.modify(key, (raw) => {
      const before = live(raw);
      const written = opts.only === undefined || (opts.only === 'NX') === (before === undefined);
      outcome = { written, ...(opts.get && before ? { previous: before } : {}) };
      if (!written) return undefined;
      const expiresAt = opts.keepTtl ? before?.expiresAt : opts.expiresAt;
      return encodeStored({ body, ...expiry(expiresAt) });
    });
    return outcome;
  }

  /** Deletes the key; answers the live value it removed, if any. */
  async delete(key: string): Promise<Stored | undefined> {
    const { removed } = await this.lines.remove(key);
    return live(removed);
  }

  /** Adds `by` (INCRBY): answers the new value; the expiry stays. */
  async incrementBy(key: string, by: bigint): Promise<bigint> {
    let result: ReturnType<typeof increment> | undefined;
    await this.lines.modify(key, (raw) => {
      const before = live(raw);
      result = increment(before?.body, by);
      return result.ok ? encodeStored({ body: result.body, ...expiry(before?.expiresAt) }) : undefined;
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
      const before = live(raw);
      if (!before || !allowed(before.expiresAt, expiresAt, condition)) return undefined;
      if (expiresAt === undefined && before.expiresAt === undefined) return undefined; // PERSIST without an expiry
      changed = true;
      return encodeStored({ body: before.body, ...expiry(expiresAt) });
    });
    return changed;
  }
}

/** A read's value, if it is live. */
function found(r: { readonly value: string; readonly state: Stable; readonly source: DataSource }): Found | undefined {
  const stored = live(r.value);
  return stored && { ...stored, state: r.state, source: r.source };
}

/** The live value of a raw line value (absent or expired: undefined). */
function live(raw: string | undefined): Stored | undefined {
  if (raw === undefined) return undefined;
  const s = decodeStored(raw);
  return isLive(s, Date.now()) ? s : undefined;
}

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

import { CACHE_FENCE_TOMBSTONE_MS, CACHE_LIMITS } from '../cache-limits.js';
import { decodeStored, isLive, TOMBSTONE, type Stored } from './stored-value.js';

// Fenced writes (docs/cache.md, "Fenced writes"). A key remembers the highest fencing token
// that wrote or deleted it, in its stored value (stored-value.ts); a write with a lower token
// is refused. The check runs inside a read-modify-write on the line (CacheLines.modify), i.e.
// on the one node that owns the key in M at that moment, so it is atomic with the write and
// two nodes can never both accept tokens out of order. Pure: no I/O, the clock is a parameter.

/** A fencing token as the lock service issues it: a positive safe integer. */
export const isFenceToken = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= CACHE_LIMITS.maxFenceToken;

const DECIMAL_TOKEN = /^[1-9][0-9]{0,15}$/;

/** A token written as decimal text (the Redis protocol), or undefined when it is not one. */
export function parseFenceToken(text: string): number | undefined {
  if (!DECIMAL_TOKEN.test(text)) return undefined;
  const n = Number(text);
  return isFenceToken(n) ? n : undefined;
}

/**
 * The fence the raw line value remembers at `now`: a live value's or a live tombstone's.
 * An expired value takes its fence with it (a fenced key with a TTL is fenced while it lives).
 */
export function rememberedFence(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const s = decodeStored(raw);
  return isLive(s, now) ? s.fence : undefined;
}

/** Whether a write with `token` may replace a key that remembers `remembered`: an equal token may. */
export const fenceAdmits = (token: number, remembered: number | undefined): boolean =>
  remembered === undefined || token >= remembered;

/** The fence a write leaves: its own token, or (unfenced) the one the key remembered, never lower. */
export const fenceAfter = (token: number | undefined, remembered: number | undefined): { fence?: number } => {
  const fence = token ?? remembered;
  return fence === undefined ? {} : { fence };
};

/** What a delete of a key that remembers (or is given) `fence` leaves: a tombstone, for CACHE_FENCE_TOMBSTONE_MS. */
export const tombstone = (fence: number, now: number): Stored => ({
  body: TOMBSTONE,
  expiresAt: now + CACHE_FENCE_TOMBSTONE_MS,
  fence,
});

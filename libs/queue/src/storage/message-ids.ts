// Message ids and receipt nonces, generated in Node so scripts stay
// deterministic. Ids sort by time then by a per-process sequence (like a
// monotonic ULID): the delayed zset breaks equal due times by member order,
// so a delayed batch comes out in publish order. Random bits keep ids of
// different processes apart.

import { randomBytes } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG this many at a time: one call per
 * message cost a queue daemon about 4 % of its busy time under load (each is a
 * synchronous trip into OpenSSL), and a slice of a bigger draw is just as
 * unpredictable (Node's randomUUID pools the same way).
 */
export const RANDOM_POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let used = 0;

/** `bytes` fresh random bytes as hex, from the pool. */
export function randomHex(bytes: number): string {
  if (bytes > RANDOM_POOL_BYTES) return randomBytes(bytes).toString('hex');
  if (used + bytes > pool.length) {
    pool = randomBytes(RANDOM_POOL_BYTES);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

export class MessageIdGenerator {
  private lastMs = 0;
  private seq = 0;

  /** Next id for a message published at `now`; never smaller than the previous one. */
  next(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq += 1;
    }
    const time = this.lastMs.toString(16).padStart(12, '0');
    const seq = this.seq.toString(16).padStart(8, '0');
    return `${time}-${seq}-${randomHex(5)}`;
  }
}

/**
 * Per-consume nonce; the script derives receipt i as `${nonce}.${i}`. Hex, not
 * base64url: a receipt starting with "-" reads as an option on a command line
 * (`dssctl queue nack <topic> <receipt>` failed for one consume in 64).
 */
export function receiptNonce(): string {
  return randomHex(12);
}

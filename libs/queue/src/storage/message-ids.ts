// Message ids and receipt nonces, generated in Node so scripts stay
// deterministic. Ids sort by time then by a per-process sequence (like a
// monotonic ULID): the delayed zset breaks equal due times by member order,
// so a delayed batch comes out in publish order. Random bits keep ids of
// different processes apart.

import { randomBytes } from 'node:crypto';

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
    return `${time}-${seq}-${randomBytes(5).toString('hex')}`;
  }
}

/**
 * Per-consume nonce; the script derives receipt i as `${nonce}.${i}`. Hex, not
 * base64url: a receipt starting with "-" reads as an option on a command line
 * (`dssctl queue nack <topic> <receipt>` failed for one consume in 64).
 */
export function receiptNonce(): string {
  return randomBytes(12).toString('hex');
}

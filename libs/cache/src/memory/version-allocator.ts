/**
 * Bits of a version that count grants within one version epoch: a version is
 * `epoch × 2^24 + n`, n from 1 to 2^24 − 1. Epochs (from a Redis counter) stay below 2^29,
 * so versions stay exact in a JavaScript number, in Lua and in JSON.
 */
export const VERSION_COUNTER_BITS = 24;
const PER_EPOCH = 2 ** VERSION_COUNTER_BITS;
/** The largest version epoch that keeps versions below 2^53. */
export const MAX_VERSION_EPOCH = 2 ** (53 - VERSION_COUNTER_BITS) - 1;

/** The `n`-th version of `epoch`. */
export function composeVersion(epoch: number, n: number): number {
  if (!Number.isSafeInteger(epoch) || epoch < 1 || epoch > MAX_VERSION_EPOCH)
    throw new RangeError(`version epoch ${epoch} is outside 1..${MAX_VERSION_EPOCH}`);
  if (!Number.isSafeInteger(n) || n < 1 || n >= PER_EPOCH)
    throw new RangeError(`version number ${n} is outside 1..${PER_EPOCH - 1}`);
  return epoch * PER_EPOCH + n;
}

/**
 * A home's versions, without a Redis round trip per grant. Each grant of M (and each delete)
 * needs a version greater than every earlier version of the key, whichever home gave it.
 * A home takes a fresh epoch from Redis's counter (`newEpoch`: replicated, so it survives a
 * failover) the first time it allocates in a view-lease term, then counts within it. Two
 * homes never act for one key at once (the view lease), and a home's first allocation in a
 * term comes after it accepted a request in that term, so after the previous home's last
 * grant: its epoch, and so every version of it, is larger than everything before. A new
 * term (the view changed, or the lease lapsed: another node may have been home meanwhile)
 * takes a new epoch, as does running out of numbers within one.
 */
export class VersionAllocator {
  private current?: { readonly term: number; readonly epoch: Promise<number>; issued: number };

  constructor(
    private readonly newEpoch: () => Promise<number>,
    /** Versions given per epoch before taking a new one (fewer only in tests). */
    private readonly perEpoch = PER_EPOCH - 1,
  ) {}

  async next(term: number): Promise<number> {
    for (;;) {
      let current = this.current;
      if (!current || current.term !== term) {
        const fetching = { term, epoch: this.newEpoch(), issued: 0 };
        // A failed fetch (Redis down) is not kept: the next grant asks again.
        fetching.epoch.catch(() => {
          if (this.current === fetching) this.current = undefined;
        });
        current = this.current = fetching;
      }
      const epoch = await current.epoch;
      if (current.issued < this.perEpoch) return composeVersion(epoch, ++current.issued);
      if (this.current === current) this.current = undefined; // used up: a new epoch
    }
  }
}

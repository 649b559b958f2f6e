// A pure LRU map bounded by entry count and by bytes. It never evicts by
// itself: evicting a Modified line needs an asynchronous write-back first, so
// the store only names the victims and the caller deletes them once they are
// safe to drop. Until then the store may sit above its limits.

export interface LruLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

interface Slot<V> {
  readonly value: V;
  readonly bytes: number;
}

export class LruStore<V> {
  readonly limits: LruLimits;
  // A Map iterates in insertion order, so re-inserting a key on use keeps the
  // map ordered LRU -> MRU with O(1) get/set/delete and no linked list.
  private readonly slots = new Map<string, Slot<V>>();
  private totalBytes = 0;

  constructor(limits: LruLimits) {
    for (const name of ['maxEntries', 'maxBytes'] as const) {
      const v = limits[name];
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`LruStore: ${name} must be a positive integer, got ${String(v)}`);
    }
    this.limits = { maxEntries: limits.maxEntries, maxBytes: limits.maxBytes };
  }

  /** Number of entries. */
  get size(): number {
    return this.slots.size;
  }

  /** Sum of the byte sizes given to `set` for the entries present. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The value, and marks the key most recently used. */
  get(key: string): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot.value;
  }

  /** The value, leaving the recency order alone. */
  peek(key: string): V | undefined {
    return this.slots.get(key)?.value;
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Inserts or replaces, and marks the key most recently used. Never evicts. */
  set(key: string, value: V, bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new RangeError(`LruStore: bytes must be a non-negative integer, got ${String(bytes)}`);
    const old = this.slots.get(key);
    if (old !== undefined) {
      this.totalBytes -= old.bytes;
      this.slots.delete(key);
    }
    this.slots.set(key, { value, bytes });
    this.totalBytes += bytes;
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.totalBytes -= slot.bytes;
    return true;
  }

  /**
   * Keys from least to most recently used. Like Map iterators this is live:
   * do not call `get`/`set` while iterating (a touched key moves to the end
   * and would be visited again); snapshot with `[...keys()]` first.
   */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** [key, value] pairs from least to most recently used (live, as `keys`). */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, slot] of this.slots) yield [key, slot.value];
  }

  overLimit(): boolean {
    return this.slots.size > this.limits.maxEntries || this.totalBytes > this.limits.maxBytes;
  }

  /**
   * The shortest run of least recently used keys, skipping pinned ones, whose
   * removal brings the store back within both limits; empty when it is within
   * them. When the unpinned keys are not enough, all of them (best effort:
   * the rest has to wait until the pinned keys are released).
   */
  victims(isPinned?: (key: string) => boolean): string[] {
    const excessEntries = this.slots.size - this.limits.maxEntries;
    const excessBytes = this.totalBytes - this.limits.maxBytes;
    const out: string[] = [];
    if (excessEntries <= 0 && excessBytes <= 0) return out;
    let freedBytes = 0;
    for (const [key, slot] of this.slots) {
      if (out.length >= excessEntries && freedBytes >= excessBytes) break;
      if (isPinned?.(key)) continue;
      out.push(key);
      freedBytes += slot.bytes;
    }
    return out;
  }
}

// A pure LRU map bounded by entry count and by bytes. It never evicts by
// itself: evicting a Modified line needs an asynchronous write-back first, so
// the store only names the victims and the caller deletes them once they are
// safe to drop. Until then the store may sit above its limits.

export interface LruLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** An entry, linked into the recency list (prev: less recently used). */
interface Slot<V> {
  readonly key: string;
  value: V;
  bytes: number;
  prev: Slot<V> | undefined;
  next: Slot<V> | undefined;
}

export class LruStore<V> {
  readonly limits: LruLimits;
  // A map for lookups and a doubly linked list for the order, LRU (head) -> MRU (tail). A
  // hit only relinks its slot. Re-inserting the key into a Map instead (a Map iterates in
  // insertion order) made the Map rebuild its table every few thousand hits and promoted
  // the copies to the old generation: most of what a GET hit allocated (docs/benchmarks.md).
  private readonly slots = new Map<string, Slot<V>>();
  private head: Slot<V> | undefined;
  private tail: Slot<V> | undefined;
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
    if (slot !== this.tail) {
      this.unlink(slot);
      this.append(slot);
    }
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
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { key, value, bytes, prev: undefined, next: undefined };
      this.slots.set(key, slot);
    } else {
      this.totalBytes -= slot.bytes;
      slot.value = value;
      slot.bytes = bytes;
      this.unlink(slot);
    }
    this.append(slot);
    this.totalBytes += bytes;
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.unlink(slot);
    this.totalBytes -= slot.bytes;
    return true;
  }

  /**
   * Keys from least to most recently used. Live: do not change the store (nor `get`) while
   * iterating, as a touched or deleted key is relinked; snapshot with `[...keys()]` first.
   */
  *keys(): IterableIterator<string> {
    for (let s = this.head; s !== undefined; s = s.next) yield s.key;
  }

  /** [key, value] pairs from least to most recently used (live, as `keys`). */
  *entries(): IterableIterator<[string, V]> {
    for (let s = this.head; s !== undefined; s = s.next) yield [s.key, s.value];
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
    for (let slot = this.head; slot !== undefined; slot = slot.next) {
      if (out.length >= excessEntries && freedBytes >= excessBytes) break;
      if (isPinned?.(slot.key)) continue;
      out.push(slot.key);
      freedBytes += slot.bytes;
    }
    return out;
  }

  private unlink(slot: Slot<V>): void {
    if (slot.prev) slot.prev.next = slot.next;
    else this.head = slot.next;
    if (slot.next) slot.next.prev = slot.prev;
    else this.tail = slot.prev;
    slot.prev = slot.next = undefined;
  }

  private append(slot: Slot<V>): void {
    slot.prev = this.tail;
    if (this.tail) this.tail.next = slot;
    else this.head = slot;
    this.tail = slot;
  }
}

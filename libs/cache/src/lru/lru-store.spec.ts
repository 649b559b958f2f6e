import fc from 'fast-check';
import { LruStore } from './lru-store.js';

const filled = (limits: { maxEntries: number; maxBytes: number }, items: [string, number][]): LruStore<string> => {
  const store = new LruStore<string>(limits);
  for (const [key, bytes] of items) store.set(key, `v-${key}`, bytes);
  return store;
};

describe('LruStore', () => {
  it.each([0, -1, 1.5, NaN, Infinity])('rejects %p as maxEntries or maxBytes', (bad) => {
    expect(() => new LruStore({ maxEntries: bad, maxBytes: 10 })).toThrow(RangeError);
    expect(() => new LruStore({ maxEntries: 10, maxBytes: bad })).toThrow(/maxBytes must be a positive integer/);
  });

  it('rejects a negative or fractional entry size and leaves the store unchanged', () => {
    const store = filled({ maxEntries: 4, maxBytes: 100 }, [['a', 5]]);
    expect(() => store.set('a', 'x', -1)).toThrow(RangeError);
    expect(() => store.set('b', 'x', 0.5)).toThrow(RangeError);
    expect([store.peek('a'), store.size, store.bytes]).toEqual(['v-a', 1, 5]);
  });

  it('get marks the key most recently used; peek and has do not', () => {
    const store = filled({ maxEntries: 10, maxBytes: 100 }, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(store.peek('a')).toBe('v-a');
    expect(store.has('a')).toBe(true);
    expect([...store.keys()]).toEqual(['a', 'b', 'c']);
    expect(store.get('a')).toBe('v-a');
    expect([...store.keys()]).toEqual(['b', 'c', 'a']);
    expect(store.get('zz')).toBeUndefined();
    expect(store.peek('zz')).toBeUndefined();
    expect(store.has('zz')).toBe(false);
    expect([...store.entries()]).toEqual([
      ['b', 'v-b'],
      ['c', 'v-c'],
      ['a', 'v-a'],
    ]);
  });

  it('set replaces the value and size, and marks the key most recently used', () => {
    const store = filled({ maxEntries: 10, maxBytes: 100 }, [
      ['a', 10],
      ['b', 20],
    ]);
    store.set('a', 'new', 3);
    expect([...store.entries()]).toEqual([
      ['b', 'v-b'],
      ['a', 'new'],
    ]);
    expect([store.size, store.bytes]).toEqual([2, 23]);
  });

  it('delete frees the bytes and says whether the key was there', () => {
    const store = filled({ maxEntries: 10, maxBytes: 100 }, [
      ['a', 10],
      ['b', 20],
    ]);
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect([store.size, store.bytes, [...store.keys()]]).toEqual([1, 20, ['b']]);
  });

  it('never evicts by itself: it may exceed its limits until the caller deletes the victims', () => {
    const store = filled({ maxEntries: 2, maxBytes: 100 }, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect([store.size, store.overLimit()]).toEqual([3, true]);
    expect(store.victims()).toEqual(['a']);
    for (const key of store.victims()) store.delete(key);
    expect([store.overLimit(), store.victims(), [...store.keys()]]).toEqual([false, [], ['b', 'c']]);
  });

  it('victims satisfy the byte limit too, taking the least recently used first', () => {
    const store = filled({ maxEntries: 10, maxBytes: 10 }, [
      ['a', 2],
      ['b', 3],
      ['c', 4],
      ['d', 5],
    ]);
    store.get('a'); // order b c d a, 14 bytes: dropping b (3) leaves 11, c (4) leaves 7
    expect(store.victims()).toEqual(['b', 'c']);
  });

  it('victims satisfy whichever limit needs more keys to go', () => {
    const store = filled({ maxEntries: 2, maxBytes: 100 }, [
      ['a', 50],
      ['b', 0],
      ['c', 0],
      ['d', 60],
    ]);
    expect(store.victims()).toEqual(['a', 'b']); // entries need 2; bytes (110) need only a
    const bytesBound = filled({ maxEntries: 3, maxBytes: 10 }, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 9],
    ]);
    expect(bytesBound.victims()).toEqual(['a', 'b']); // entries need 1; bytes (12) need 2
  });

  it('skips pinned keys, and returns every unpinned key when they are not enough', () => {
    const store = filled({ maxEntries: 2, maxBytes: 100 }, [
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
    expect(store.victims((k) => k === 'a')).toEqual(['b', 'c']);
    expect(store.victims((k) => k !== 'd')).toEqual(['d']);
    expect(store.victims(() => true)).toEqual([]);
  });

  it('an entry larger than maxBytes is itself a victim', () => {
    const store = filled({ maxEntries: 10, maxBytes: 10 }, [
      ['a', 1],
      ['big', 11],
    ]);
    expect(store.victims()).toEqual(['a', 'big']);
  });

  it('victims and overLimit change nothing', () => {
    const store = filled({ maxEntries: 1, maxBytes: 1 }, [
      ['a', 5],
      ['b', 5],
    ]);
    store.victims();
    store.overLimit();
    expect([[...store.keys()], store.size, store.bytes]).toEqual([['a', 'b'], 2, 10]);
  });
});

// Reference model: an array in LRU -> MRU order, every operation done the
// obvious O(n) way, victims by trying every prefix length.
interface ModelEntry {
  key: string;
  value: number;
  bytes: number;
}

class Model {
  entries: ModelEntry[] = [];
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}
  private index(key: string): number {
    return this.entries.findIndex((e) => e.key === key);
  }
  get bytes(): number {
    return this.entries.reduce((sum, e) => sum + e.bytes, 0);
  }
  get(key: string): number | undefined {
    const i = this.index(key);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e!);
    return e!.value;
  }
  peek(key: string): number | undefined {
    return this.entries.find((e) => e.key === key)?.value;
  }
  set(key: string, value: number, bytes: number): void {
    this.delete(key);
    this.entries.push({ key, value, bytes });
  }
  delete(key: string): boolean {
    const i = this.index(key);
    if (i >= 0) this.entries.splice(i, 1);
    return i >= 0;
  }
  victims(pinned: ReadonlySet<string>): string[] {
    const candidates = this.entries.filter((e) => !pinned.has(e.key));
    for (let n = 0; n <= candidates.length; n++) {
      const gone = new Set(candidates.slice(0, n).map((e) => e.key));
      const left = this.entries.filter((e) => !gone.has(e.key));
      if (left.length <= this.maxEntries && left.reduce((s, e) => s + e.bytes, 0) <= this.maxBytes) return [...gone];
    }
    return candidates.map((e) => e.key);
  }
}

type Op =
  | { kind: 'get' | 'peek' | 'has' | 'delete'; key: string }
  | { kind: 'set'; key: string; value: number; bytes: number }
  | { kind: 'victims'; pinned: string[] }
  | { kind: 'evict'; pinned: string[] };

// A small key space so keys are often hit again, replaced and deleted.
const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('get' as const, 'peek' as const, 'has' as const, 'delete' as const), key: keyArb }),
  {
    arbitrary: fc.record({ kind: fc.constant('set' as const), key: keyArb, value: fc.integer(), bytes: fc.nat(40) }),
    weight: 3,
  },
  fc.record({ kind: fc.constant('victims' as const), pinned: fc.uniqueArray(keyArb, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('evict' as const), pinned: fc.uniqueArray(keyArb, { maxLength: 4 }) }),
);

describe('LruStore against a reference model', () => {
  it('agrees on values, order, sizes, bytes and victims over random operation sequences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(opArb, { maxLength: 80 }),
        (maxEntries, maxBytes, ops) => {
          const store = new LruStore<number>({ maxEntries, maxBytes });
          const model = new Model(maxEntries, maxBytes);
          for (const op of ops) {
            switch (op.kind) {
              case 'get':
                expect(store.get(op.key)).toBe(model.get(op.key));
                break;
              case 'peek':
                expect(store.peek(op.key)).toBe(model.peek(op.key));
                break;
              case 'has':
                expect(store.has(op.key)).toBe(model.peek(op.key) !== undefined);
                break;
              case 'delete':
                expect(store.delete(op.key)).toBe(model.delete(op.key));
                break;
              case 'set':
                store.set(op.key, op.value, op.bytes);
                model.set(op.key, op.value, op.bytes);
                break;
              case 'victims': {
                const pinned = new Set(op.pinned);
                expect(store.victims((k) => pinned.has(k))).toEqual(model.victims(pinned));
                break;
              }
              case 'evict': {
                // What the cache does: evict the victims, then the store is within its limits unless pinned keys prevent it.
                const pinned = new Set(op.pinned);
                const victims = store.victims((k) => pinned.has(k));
                expect(victims).toEqual(model.victims(pinned));
                for (const key of victims) expect(store.delete(key) && model.delete(key)).toBe(true);
                // Within limits now, unless only pinned keys are left and they alone exceed them.
                const left = [...store.keys()];
                expect(!store.overLimit() || left.every((k) => pinned.has(k))).toBe(true);
                break;
              }
            }
            expect([...store.entries()]).toEqual(model.entries.map((e) => [e.key, e.value]));
            expect([...store.keys()]).toEqual(model.entries.map((e) => e.key));
            expect(store.size).toBe(model.entries.length);
            expect(store.bytes).toBe(model.bytes);
            expect(store.overLimit()).toBe(model.entries.length > maxEntries || model.bytes > maxBytes);
            expect(store.victims()).toEqual(model.victims(new Set()));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

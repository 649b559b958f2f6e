import { DEFAULT_VNODES, HashRing } from './hash-ring.js';
import { seededKeys } from './seeded-keys.js';

const nodeIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `node${i + 1}`);
const KEYS = seededKeys(100_000);

function counts(ring: HashRing, keys: readonly string[]): Map<string, number> {
  const result = new Map(ring.nodes.map((id) => [id, 0]));
  for (const key of keys) {
    const owner = ring.owner(key);
    result.set(owner, (result.get(owner) ?? 0) + 1);
  }
  return result;
}

describe('HashRing balance (100k seeded keys, 160 vnodes)', () => {
  // Measured with seed 42: 3 nodes -4.95%..+4.01% of the mean, 10 nodes -9.75%..+12.39%.
  // Bounds leave margin for a different seed; the 1/sqrt(160) ≈ 8% arc spread is structural.
  // Chi-square critical values at p = 0.001 for 2 and 9 degrees of freedom.
  it.each([
    { n: 3, bound: 0.08, chi2Critical: 13.82 },
    { n: 10, bound: 0.16, chi2Critical: 27.88 },
  ])('$n nodes: each share within ±$bound of the mean; counts follow the arcs', ({ n, bound, chi2Critical }) => {
    const ring = new HashRing(nodeIds(n));
    expect(ring.vnodes).toBe(DEFAULT_VNODES);
    const byNode = counts(ring, KEYS);
    const mean = KEYS.length / n;
    for (const count of byNode.values()) expect(Math.abs(count / mean - 1)).toBeLessThanOrEqual(bound);

    // Keys must land in proportion to the arcs each node owns: this tests the key hash is
    // uniform, separately from the (structural) unevenness of the arcs themselves.
    const shares = ring.ownership();
    const chi2 = [...byNode].reduce((sum, [id, count]) => {
      const expected = KEYS.length * (shares.get(id) ?? 0);
      return sum + (count - expected) ** 2 / expected;
    }, 0);
    expect(chi2).toBeLessThan(chi2Critical);
  });

  it('ownership() sums to 1 and matches the arc shares stated in the README', () => {
    const shares = new HashRing(nodeIds(3)).ownership();
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(shares.get('node1')).toBeCloseTo(0.33499, 5);
    expect(shares.get('node2')).toBeCloseTo(0.31573, 5);
    expect(shares.get('node3')).toBeCloseTo(0.34928, 5);
  });
});

describe('HashRing movement', () => {
  // A new node's share is 1/(n+1) up to the ~8% arc spread; ±25% relative is about 3 sigma.
  // Measured: 3→4 moves 25.99%, 10→11 moves 9.03%.
  it.each([3, 10])('adding node %i+1 moves ~1/(n+1) of keys, all of them to the new node', (n) => {
    const before = new HashRing(nodeIds(n));
    const after = before.with(`node${n + 1}`);
    let moved = 0;
    const destinations = new Set<string>();
    for (const key of KEYS) {
      const now = after.owner(key);
      if (before.owner(key) !== now) {
        moved++;
        destinations.add(now);
      }
    }
    expect([...destinations]).toEqual([`node${n + 1}`]);
    const ideal = 1 / (n + 1);
    expect(Math.abs(moved / KEYS.length - ideal)).toBeLessThanOrEqual(0.25 * ideal);
  });

  it('removing a node moves only the keys that node owned', () => {
    const before = new HashRing(nodeIds(5));
    const after = before.without('node3');
    const wrong = KEYS.filter((key) => {
      const was = before.owner(key);
      // node3's keys go to their next distinct node clockwise; every other key stays put.
      return after.owner(key) !== (was === 'node3' ? before.preferenceList(key, 2)[1] : was);
    });
    expect(wrong).toEqual([]);
  });
});

describe('HashRing determinism', () => {
  it('maps identically whatever the order of the node ids', () => {
    const a = new HashRing(['node1', 'node2', 'node3', 'node4']);
    const b = new HashRing(['node3', 'node1', 'node4', 'node2']);
    expect(b.nodes).toEqual(a.nodes);
    const differ = KEYS.filter((key) => b.preferenceList(key, 4).join() !== a.preferenceList(key, 4).join());
    expect(differ).toEqual([]);
  });

  // Golden values: every node of a cluster, in every version, must agree on these. If this
  // fails the layout changed, and a rolling upgrade would split ownership: do not "fix" the test.
  it('keeps the golden mapping of fixed keys', () => {
    const r3 = new HashRing(['node1', 'node2', 'node3']);
    const r10 = new HashRing(nodeIds(10));
    const golden: Array<[string, string, string[], string]> = [
      ['orders', 'node1', ['node1', 'node2', 'node3'], 'node8'],
      ['payments', 'node1', ['node1', 'node2', 'node3'], 'node1'],
      ['user:42', 'node2', ['node2', 'node1', 'node3'], 'node2'],
      ['session/abc', 'node1', ['node1', 'node2', 'node3'], 'node5'],
      ['topic.events-v2', 'node3', ['node3', 'node1', 'node2'], 'node3'],
      ['ключ', 'node2', ['node2', 'node1', 'node3'], 'node10'],
      ['🔑', 'node3', ['node3', 'node2', 'node1'], 'node9'],
      ['a', 'node3', ['node3', 'node2', 'node1'], 'node7'],
    ];
    for (const [key, owner3, list3, owner10] of golden) {
      expect([key, r3.owner(key), r3.preferenceList(key, 3), r10.owner(key)]).toEqual([key, owner3, list3, owner10]);
    }
  });
});

describe('HashRing preference lists and ownerAmong', () => {
  const ring = new HashRing(nodeIds(5));

  it('preferenceList is distinct, min(n, size) long and starts with the owner', () => {
    for (const key of KEYS.slice(0, 2_000)) {
      for (const n of [0, 1, 3, 5, 9]) {
        const list = ring.preferenceList(key, n);
        expect(list).toHaveLength(Math.min(n, 5));
        expect(new Set(list).size).toBe(list.length);
        if (n > 0) expect(list[0]).toBe(ring.owner(key));
      }
    }
  });

  it('ownerAmong skips dead nodes in preference order and returns to the owner when it is back', () => {
    for (const key of KEYS.slice(0, 2_000)) {
      const [first, second, third] = ring.preferenceList(key, 3);
      const all = ring.nodes;
      expect(ring.ownerAmong(key, all)).toBe(first);
      const withoutFirst = all.filter((id) => id !== first);
      expect(ring.ownerAmong(key, withoutFirst)).toBe(second);
      expect(ring.ownerAmong(key, new Set(withoutFirst.filter((id) => id !== second)))).toBe(third);
      expect(ring.ownerAmong(key, [...withoutFirst, first])).toBe(first); // owner is back
    }
  });

  it('ownerAmong ignores ids that are not members and returns undefined when none is alive', () => {
    expect(ring.ownerAmong('k', [])).toBeUndefined();
    expect(ring.ownerAmong('k', ['node99'])).toBeUndefined();
    expect(ring.ownerAmong('k', ['node99', 'node4'])).toBe('node4');
    expect(new HashRing([]).ownerAmong('k', ['node1'])).toBeUndefined();
  });
});

describe('HashRing edges and errors', () => {
  it('an empty ring has no owner and says so', () => {
    const empty = new HashRing([]);
    expect(() => empty.owner('orders')).toThrow('hash ring is empty: no owner for key "orders"');
    expect(empty.preferenceList('orders', 3)).toEqual([]);
    expect(empty.ownership().size).toBe(0);
  });

  it('a single node owns everything', () => {
    const one = new HashRing(['solo'], { vnodes: 1 });
    expect(one.owner('anything')).toBe('solo');
    expect(one.ownership().get('solo')).toBe(1);
  });

  it('rejects bad node ids, duplicates, bad vnode counts and bad list lengths', () => {
    expect(() => new HashRing(['a', ''])).toThrow(TypeError);
    expect(() => new HashRing(['a', 'b', 'a'])).toThrow('hash ring node id "a" is listed twice');
    expect(() => new HashRing(['a'], { vnodes: 0 })).toThrow(RangeError);
    expect(() => new HashRing(['a'], { vnodes: 1.5 })).toThrow(RangeError);
    expect(() => new HashRing(['a']).preferenceList('k', -1)).toThrow(RangeError);
  });

  it('is immutable: with/without return new rings and leave the original alone', () => {
    const ring = new HashRing(['a', 'b'], { vnodes: 8 });
    const grown = ring.with('c');
    expect(ring.nodes).toEqual(['a', 'b']);
    expect(grown.nodes).toEqual(['a', 'b', 'c']);
    expect(grown.vnodes).toBe(8);
    expect(ring.with('a')).toBe(ring);
    expect(ring.without('z')).toBe(ring);
    expect(Object.isFrozen(ring.nodes)).toBe(true);
  });
});

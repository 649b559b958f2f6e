import fc from 'fast-check';
import { HashRing } from './hash-ring.js';

// Small vnode counts keep each run fast; the properties hold for any count.
const nodeIdsArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 });
const vnodesArb = fc.integer({ min: 1, max: 40 });
const keysArb = fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 30 });

describe('HashRing properties', () => {
  it('owner is a member, and preference lists are prefixes of one permutation of the nodes', () => {
    fc.assert(
      fc.property(nodeIdsArb, vnodesArb, keysArb, fc.nat(15), (ids, vnodes, keys, n) => {
        const ring = new HashRing(ids, { vnodes });
        for (const key of keys) {
          const full = ring.preferenceList(key, ring.size);
          expect([...full].sort()).toEqual([...ring.nodes].sort());
          expect(ring.preferenceList(key, n)).toEqual(full.slice(0, n));
          expect(ring.owner(key)).toBe(full[0]);
        }
      }),
    );
  });

  it('ownerAmong is the first live node of the full preference list', () => {
    fc.assert(
      fc.property(
        nodeIdsArb,
        vnodesArb,
        keysArb,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (ids, vnodes, keys, upFlags) => {
          const ring = new HashRing(ids, { vnodes });
          const alive = ids.filter((_, i) => upFlags[i]);
          for (const key of keys) {
            expect(ring.ownerAmong(key, alive)).toBe(
              ring.preferenceList(key, ring.size).find((id) => alive.includes(id)),
            );
          }
        },
      ),
    );
  });

  it('does not depend on the order of the node ids', () => {
    fc.assert(
      fc.property(
        nodeIdsArb.chain((ids) => fc.tuple(fc.constant(ids), fc.shuffledSubarray(ids, { minLength: ids.length }))),
        vnodesArb,
        keysArb,
        ([ids, shuffled], vnodes, keys) => {
          const a = new HashRing(ids, { vnodes });
          const b = new HashRing(shuffled, { vnodes });
          for (const key of keys) expect(b.preferenceList(key, b.size)).toEqual(a.preferenceList(key, a.size));
          expect([...b.ownership()]).toEqual([...a.ownership()]);
        },
      ),
    );
  });

  it('with/without round-trip to the same mapping; a join moves keys only to the joiner', () => {
    fc.assert(
      fc.property(
        nodeIdsArb,
        fc.string({ minLength: 1, maxLength: 8 }),
        vnodesArb,
        keysArb,
        (ids, extra, vnodes, keys) => {
          fc.pre(!ids.includes(extra));
          const ring = new HashRing(ids, { vnodes });
          const grown = ring.with(extra);
          const back = grown.without(extra);
          expect(back.nodes).toEqual(ring.nodes);
          expect([...back.ownership()]).toEqual([...ring.ownership()]);
          const removed = ring.without(ids[0]).with(ids[0]);
          for (const key of keys) {
            expect(back.owner(key)).toBe(ring.owner(key));
            expect(removed.owner(key)).toBe(ring.owner(key));
            expect([ring.owner(key), extra]).toContain(grown.owner(key));
          }
        },
      ),
    );
  });
});

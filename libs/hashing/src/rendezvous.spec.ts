import { Rendezvous } from './rendezvous.js';
import { seededKeys } from './seeded-keys.js';

// The comparison baseline behind the README's numbers must itself be a correct HRW.
describe('Rendezvous (comparison baseline)', () => {
  const keys = seededKeys(20_000, 3);
  const nodes = ['node1', 'node2', 'node3', 'node4'];

  it('is order independent and moves keys only to a joining node', () => {
    const a = new Rendezvous(nodes);
    const b = new Rendezvous([...nodes].reverse());
    const grown = new Rendezvous([...nodes, 'node5']);
    expect(keys.filter((k) => a.owner(k) !== b.owner(k))).toEqual([]);
    const moved = keys.filter((k) => a.owner(k) !== grown.owner(k));
    expect(new Set(moved.map((k) => grown.owner(k)))).toEqual(new Set(['node5']));
    expect(Math.abs(moved.length / keys.length - 0.2)).toBeLessThan(0.02);
  });

  it('balances within ±5% of the mean and refuses an empty node list', () => {
    const hrw = new Rendezvous(nodes);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(hrw.owner(k), (counts.get(hrw.owner(k)) ?? 0) + 1);
    for (const c of counts.values()) expect(Math.abs(c / (keys.length / 4) - 1)).toBeLessThan(0.05);
    expect(() => new Rendezvous([]).owner('k')).toThrow('rendezvous: no nodes');
  });
});

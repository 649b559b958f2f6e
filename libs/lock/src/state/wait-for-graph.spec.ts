// The deadlock detector on closed cycles of length 2..5 with every mix of shared and
// exclusive holds and waits, and on near-misses that must not be reported.
import fc from 'fast-check';
import type { LockMode } from './lock-commands.js';
import { acquire, Driver, release, WAIT } from './lock-table.test-kit.js';

type Edge = readonly [hold: LockMode, wait: LockMode];
/** Every (held mode, wanted mode) pair that makes a waiter wait. */
const CONFLICTING: readonly Edge[] = [
  ['exclusive', 'exclusive'],
  ['exclusive', 'shared'],
  ['shared', 'exclusive'],
];

/**
 * o_i holds r_i; o_i waits for r_{i+1} (i < n-1); returns the driver and the last owner's
 * closing request for r_0, which would complete the ring o_{n-1} -> o_0 -> ... -> o_{n-1}.
 */
function ring(edges: readonly Edge[]): { d: Driver; closing: ReturnType<typeof acquire> } {
  const n = edges.length;
  const d = new Driver();
  edges.forEach(([hold], i) => expect(d.apply(acquire(`r${i}`, `o${i}`, hold)).result.status).toBe('granted'));
  for (let i = 0; i < n - 1; i++) {
    expect(d.apply(acquire(`r${i + 1}`, `o${i}`, edges[i + 1][1], WAIT)).result.status).toBe('queued');
  }
  return { d, closing: acquire('r0', `o${n - 1}`, edges[0][1], WAIT) };
}

const expectedCycle = (n: number) => [
  { owner: `o${n - 1}`, resource: 'r0' },
  ...Array.from({ length: n - 1 }, (_, i) => ({ owner: `o${i}`, resource: `r${i + 1}` })),
];

describe('deadlock detection', () => {
  it.each([2, 3, 4, 5])('reports a closed cycle of length %i, starting with the requester', (n) => {
    const edges = Array.from({ length: n }, (_, i) => CONFLICTING[i % CONFLICTING.length]);
    const { d, closing } = ring(edges);
    const before = d.table.snapshot();
    expect(d.apply(closing)).toEqual({
      result: { status: 'deadlock', resource: 'r0', cycle: expectedCycle(n) },
      events: [],
    });
    // Refused, not queued: the table is unchanged apart from the applied index.
    expect(JSON.parse(d.table.snapshot()).resources).toEqual(JSON.parse(before).resources);
  });

  it('reports every mix of shared/exclusive holds and waits on rings of 2..5', () => {
    const edgeArb = fc.constantFrom(...CONFLICTING);
    fc.assert(
      fc.property(fc.array(edgeArb, { minLength: 2, maxLength: 5 }), (edges) => {
        const { d, closing } = ring(edges);
        expect(d.apply(closing).result).toEqual({
          status: 'deadlock',
          resource: 'r0',
          cycle: expectedCycle(edges.length),
        });
      }),
    );
  });

  it.each([2, 3, 4, 5])('queues when a chain of length %i is not closed', (n) => {
    const edges = Array.from({ length: n }, (_, i) => CONFLICTING[(i + 1) % CONFLICTING.length]);
    const { d } = ring(edges);
    d.apply(acquire('elsewhere', 'outsider'));
    expect(d.apply(acquire('elsewhere', `o${n - 1}`, 'exclusive', WAIT)).result.status).toBe('queued');
    // Now the outsider wanting r0 would close outsider -> o0 -> ... -> o_{n-1} -> outsider.
    expect(d.apply(acquire('r0', 'outsider', 'exclusive', WAIT)).result).toEqual({
      status: 'deadlock',
      resource: 'r0',
      cycle: [
        { owner: 'outsider', resource: 'r0' },
        ...Array.from({ length: n - 1 }, (_, i) => ({ owner: `o${i}`, resource: `r${i + 1}` })),
        { owner: `o${n - 1}`, resource: 'elsewhere' },
      ],
    });
  });

  it('does not close a ring whose only closing link is shared beside shared (granted instead)', () => {
    for (let n = 2; n <= 5; n++) {
      const edges: Edge[] = [
        ['shared', 'shared'],
        ...Array.from({ length: n - 1 }, (_, i) => CONFLICTING[i % CONFLICTING.length]),
      ];
      const { d, closing } = ring(edges);
      expect(d.apply(closing).result).toMatchObject({ status: 'granted', mode: 'shared' });
    }
  });

  it('finds a cycle through a "queued ahead" edge', () => {
    const d = new Driver();
    d.apply(acquire('r1', 'a', 'shared'));
    d.apply(acquire('r2', 'b', 'exclusive'));
    d.apply(acquire('r1', 'x', 'exclusive', WAIT)); // x -> a (holder)
    d.apply(acquire('r1', 'b', 'shared', WAIT)); // b -> x (exclusive waiter ahead)
    expect(d.apply(acquire('r2', 'a', 'shared', WAIT)).result).toEqual({
      status: 'deadlock',
      resource: 'r2',
      cycle: [
        { owner: 'a', resource: 'r2' },
        { owner: 'b', resource: 'r1' },
        { owner: 'x', resource: 'r1' },
      ],
    });
  });

  it('ignores shared waiters queued behind shared waiters (no edge between them)', () => {
    const d = new Driver();
    d.apply(acquire('r1', 'h'));
    d.apply(acquire('r3', 's2'));
    d.apply(acquire('r1', 's1', 'shared', WAIT));
    d.apply(acquire('r1', 's2', 'shared', WAIT)); // s2 -> h only, not -> s1
    expect(d.apply(acquire('r3', 's1', 'exclusive', WAIT)).result.status).toBe('queued'); // s1 -> s2 -> h: open
    // h releasing grants s1 and s2 together; s2 releasing r3 then lets s1 in: no deadlock.
    expect(
      d
        .apply(release('r1', 'h'))
        .events.filter((e) => e.type === 'granted')
        .map((e) => e.owner),
    ).toEqual(['s1', 's2']);
    expect(
      d
        .apply(release('r3', 's2'))
        .events.filter((e) => e.type === 'granted')
        .map((e) => e.owner),
    ).toEqual(['s1']);
  });

  it('an owner never waits for itself: an upgrade wait ignores its own shared hold', () => {
    const d = new Driver();
    d.apply(acquire('r', 'a', 'shared'));
    d.apply(acquire('r', 'b', 'shared'));
    expect(d.apply(acquire('r', 'a', 'exclusive', WAIT)).result.status).toBe('queued'); // a -> b only
    // a also holds s exclusively and b wants it: b -> a, a -> b closes.
    d.apply(acquire('s', 'a'));
    expect(d.apply(acquire('s', 'b', 'shared', WAIT)).result).toMatchObject({
      status: 'deadlock',
      cycle: [
        { owner: 'b', resource: 's' },
        { owner: 'a', resource: 'r' },
      ],
    });
    // Without b's hold on r, the same request just waits.
    d.apply(release('r', 'b'));
    expect(d.table.view('r').holders).toMatchObject([{ owner: 'a', mode: 'exclusive' }]);
    expect(d.apply(acquire('s', 'b', 'shared', WAIT)).result.status).toBe('queued');
  });
});

import fc from 'fast-check';
import { ViewLease } from './view-lease.js';

const LEASE = 600;
const DEAD = 1500;

describe('ViewLease', () => {
  it('holds while a majority (this node included) confirmed the view within the lease, from the ping sent', () => {
    const lease = new ViewLease(3, LEASE, DEAD);
    expect(lease.until(0)).toBe(-Infinity);
    // The first confirmation starts a term; the node acts once its copies of earlier terms are gone.
    expect(lease.answered('b', { sentAt: 100, epoch: 0, currentEpoch: 0, confirmed: true, ready: true }, 130)).toEqual({
      term: 1,
      homeTerm: 1,
    });
    expect(lease.canAct('a,b,c', 130)).toBe(false);
    lease.cleaned(1);
    expect(lease.homeConfirmed('b', 130)).toBe(false); // its copies of home term 0 are not dropped yet
    lease.homeCleaned('b', 1);
    expect(lease.canAct('a,b,c', 130)).toBe(true);
    expect(lease.canAct('a,b,c', 100 + LEASE - 1)).toBe(true);
    expect(lease.canAct('a,b,c', 100 + LEASE)).toBe(false);
    expect(lease.homeConfirmed('b', 130)).toBe(true);
    expect(lease.homeConfirmed('c', 130)).toBe(false);
  });

  it('counts no answer that did not confirm the same view, and drops a peer that stops confirming', () => {
    const lease = new ViewLease(3, LEASE, DEAD);
    expect(lease.answered('b', { sentAt: 0, epoch: 0, currentEpoch: 0, confirmed: false, ready: true }, 5)).toEqual({});
    expect(lease.until(5)).toBe(-Infinity);
    lease.answered('b', { sentAt: 10, epoch: 0, currentEpoch: 0, confirmed: true, ready: true }, 15);
    expect(lease.until(15)).toBe(10 + LEASE);
    lease.answered('b', { sentAt: 20, epoch: 0, currentEpoch: 0, confirmed: false, ready: true }, 25);
    expect(lease.until(25)).toBe(-Infinity);
    // Sent before this node's view changed: void.
    lease.answered('c', { sentAt: 30, epoch: 0, currentEpoch: 1, confirmed: true, ready: true }, 35);
    expect(lease.until(35)).toBe(-Infinity);
  });

  it('starts a new term when the lease lapsed or the view changed, and not otherwise', () => {
    const lease = new ViewLease(3, LEASE, DEAD);
    const at = (sentAt: number, now: number) =>
      lease.answered('b', { sentAt, epoch: 0, currentEpoch: 0, confirmed: true, ready: false }, now).term;
    expect(at(0, 1)).toBe(1);
    expect(at(300, 301)).toBeUndefined(); // renewed in time
    expect(at(1000, 1001)).toBe(2); // 300 + 600 < 1001: it had lapsed
    expect(lease.viewChanged()).toBe(3);
    expect(lease.until(1002)).toBe(-Infinity);
    expect(lease.homeConfirmed('b', 1002)).toBe(false);
  });

  it('starts a new home term when a peer answers after a gap of the dead timeout, and trusts it as a home again only once its copies are dropped', () => {
    const lease = new ViewLease(3, LEASE, DEAD);
    const from = (peer: string, sentAt: number, now: number, confirmed = true) =>
      lease.answered(peer, { sentAt, epoch: 0, currentEpoch: 0, confirmed, ready: true }, now);
    expect(from('b', 0, 1)).toEqual({ term: 1, homeTerm: 1 });
    lease.cleaned(1);
    lease.homeCleaned('b', 1);
    expect(from('c', 100, 101)).toEqual({ homeTerm: 1 }); // the majority held through b: no new term
    lease.homeCleaned('c', 1);
    // A gap shorter than the dead timeout: c heard this node before and after it, no home term.
    expect(from('b', 500, 501)).toEqual({});
    expect(from('c', 1000, 1001)).toEqual({});
    expect(lease.homeConfirmed('c', 1001)).toBe(true);
    // c answers nothing for the dead timeout (it may have counted this node dead), then answers
    // without confirming (switching), then confirms: that confirmation starts a home term.
    for (let t = 1300; t <= 2500; t += 300) expect(from('b', t, t + 1)).toEqual({});
    expect(from('c', 2600, 2601, false)).toEqual({});
    expect(from('c', 2700, 2701)).toEqual({ homeTerm: 2 });
    expect(lease.homeConfirmed('c', 2701)).toBe(false);
    expect(lease.canAct('a,b,c', 2701)).toBe(true); // copies homed elsewhere are still good
    lease.homeCleaned('c', 1); // an older discard finishing late does not count
    expect(lease.homeConfirmed('c', 2701)).toBe(false);
    lease.homeCleaned('c', 2);
    expect(lease.homeConfirmed('c', 2701)).toBe(true);
  });

  it('a node that confirmed one view confirms no other, and does not act in one, for a lease', () => {
    const lease = new ViewLease(3, LEASE, DEAD);
    expect(lease.confirm('a,b,c', 100)).toBe(true);
    expect(lease.switching('a,b,c', 200)).toBe(false);
    expect(lease.confirm('a,b', 200)).toBe(false);
    expect(lease.switching('a,b', 100 + LEASE - 1)).toBe(true);
    lease.answered('b', { sentAt: 300, epoch: 0, currentEpoch: 0, confirmed: true, ready: true }, 310);
    lease.cleaned(lease.term);
    expect(lease.canAct('a,b', 310)).toBe(false);
    expect(lease.canAct('a,b', 100 + LEASE)).toBe(true);
    expect(lease.confirm('a,b', 100 + LEASE)).toBe(true);
  });

  it('needs no peer in a cluster of one', () => {
    const lease = new ViewLease(1, LEASE, DEAD);
    lease.cleaned(0);
    expect(lease.canAct('a', 0)).toBe(true);
  });

  // The property the cache's coherence rests on: at no instant do two nodes act in
  // different views, whatever the views, the message delays and the ping schedule.
  it('never lets two nodes act in different views at the same instant (random views, delays, pings)', () => {
    const nodes = ['a', 'b', 'c'];
    const views = ['a,b,c', 'a,b', 'a,c', 'b,c'];
    const event = fc.oneof(
      fc.record({ kind: fc.constant('view' as const), node: fc.nat(2), view: fc.nat(3), dt: fc.nat(150) }),
      fc.record({
        kind: fc.constant('ping' as const),
        from: fc.nat(2),
        to: fc.nat(2),
        there: fc.nat(300),
        back: fc.nat(300),
        dt: fc.nat(60),
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 120 }), (script) => {
        const state = nodes.map((n) => ({
          lease: new ViewLease(3, LEASE, DEAD),
          view: views.find((v) => v.includes(n))!,
          epoch: 0,
        }));
        // A discrete-event run: each ping is answered when it arrives and counted when the answer comes back.
        type Ev = { at: number; run: () => void };
        const queue: Ev[] = [];
        let t = 0;
        for (const e of script) {
          t += e.dt;
          if (e.kind === 'view') {
            const s = state[e.node]!;
            const v = views.filter((x) => x.includes(nodes[e.node]!))[e.view % 3]!;
            queue.push({
              at: t,
              run: () => {
                if (v === s.view) return;
                s.view = v;
                s.epoch++;
                s.lease.cleaned(s.lease.viewChanged());
              },
            });
          } else if (e.from !== e.to) {
            const asker = state[e.from]!;
            const peer = state[e.to]!;
            const sentAt = t;
            queue.push({
              at: sentAt,
              run: () => {
                const epoch = asker.epoch;
                const view = asker.view;
                queue.push({
                  at: sentAt + e.there,
                  run: () => {
                    const confirmed = peer.lease.confirm(peer.view, sentAt + e.there);
                    const same = confirmed && peer.view === view;
                    queue.push({
                      at: sentAt + e.there + e.back,
                      run: () => {
                        const { term, homeTerm } = asker.lease.answered(
                          nodes[e.to]!,
                          {
                            sentAt,
                            epoch,
                            currentEpoch: asker.epoch,
                            confirmed: same && asker.view === view,
                            ready: true,
                          },
                          sentAt + e.there + e.back,
                        );
                        if (term !== undefined) asker.lease.cleaned(term);
                        if (homeTerm !== undefined) asker.lease.homeCleaned(nodes[e.to]!, homeTerm);
                      },
                    });
                  },
                });
              },
            });
          }
        }
        let now = 0;
        while (queue.length > 0) {
          queue.sort((x, y) => x.at - y.at);
          const next = queue.shift()!;
          now = next.at;
          next.run();
          const acting = state.filter((s) => s.lease.canAct(s.view, now)).map((s) => s.view);
          if (new Set(acting).size > 1) return false;
        }
        return true;
      }),
      { numRuns: 5000 },
    );
  });
});

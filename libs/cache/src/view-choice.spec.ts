import { chooseView, mergeReports, type HeardReport } from './view-choice.js';

const NODES = ['vm1', 'vm2', 'vm3'];
const reports = (heard: Record<string, string[]>): Map<string, HeardReport> =>
  new Map(Object.entries(heard).map(([n, h]) => [n, { heard: h, seq: 1 }]));
const everyView = (r: Map<string, HeardReport>) => NODES.map((n) => chooseView(NODES, r, n).join('+'));

describe('chooseView', () => {
  it('takes every node when all hear each other', () => {
    expect(everyView(reports({ vm1: NODES, vm2: NODES, vm3: NODES }))).toEqual([
      'vm1+vm2+vm3',
      'vm1+vm2+vm3',
      'vm1+vm2+vm3',
    ]);
  });

  it('gives a bridge one majority view, the same on both nodes in it; the node left out sees only itself', () => {
    // vm2 and vm3 cannot reach each other; vm1 reaches both (the chaos suite's "bridge through vm1").
    const bridge = reports({ vm1: NODES, vm2: ['vm1', 'vm2'], vm3: ['vm1', 'vm3'] });
    expect(everyView(bridge)).toEqual(['vm1+vm2', 'vm1+vm2', 'vm3']);
    // Through vm2: vm1 and vm3 cut; ties go to the set listing the earliest nodes.
    expect(everyView(reports({ vm1: ['vm1', 'vm2'], vm2: NODES, vm3: ['vm2', 'vm3'] }))).toEqual([
      'vm1+vm2',
      'vm1+vm2',
      'vm3',
    ]);
  });

  it('leaves out a node that hears nobody, although its own packets still arrive (one-way)', () => {
    const deaf = reports({ vm1: NODES, vm2: ['vm2'], vm3: NODES });
    expect(everyView(deaf)).toEqual(['vm1+vm3', 'vm2', 'vm1+vm3']);
  });

  it('counts a node without a report as hearing nobody, and one node alone as no majority', () => {
    expect(chooseView(NODES, reports({ vm1: NODES }), 'vm1')).toEqual(['vm1']);
    expect(chooseView(NODES, reports({ vm1: NODES, vm3: NODES }), 'vm3')).toEqual(['vm1', 'vm3']);
    expect(chooseView(['vm1'], new Map(), 'vm1')).toEqual(['vm1']);
  });
});

describe('mergeReports', () => {
  it('keeps the freshest report per node, says when something changed, and ignores malformed or unknown entries', () => {
    const known = new Map<string, HeardReport>();
    expect(mergeReports(known, { vm2: { heard: ['vm1', 'vm2'], seq: 5 } }, NODES)).toBe(true);
    expect(mergeReports(known, { vm2: { heard: NODES, seq: 4 } }, NODES)).toBe(false); // older
    expect(known.get('vm2')!.heard).toEqual(['vm1', 'vm2']);
    expect(mergeReports(known, { vm2: { heard: ['vm1', 'vm2'], seq: 6 } }, NODES)).toBe(false); // fresher, same content
    expect(known.get('vm2')!.seq).toBe(6);
    expect(mergeReports(known, { vm2: { heard: NODES, seq: 7 } }, NODES)).toBe(true);
    const bad = {
      vm3: { heard: 'vm1', seq: 1 },
      vm4: { heard: ['vm1'], seq: 1 },
      vm1: { heard: [1], seq: 2 },
      vm9: null,
    } as unknown as Record<string, HeardReport>;
    expect(mergeReports(known, bad, NODES)).toBe(false);
    expect([...known.keys()]).toEqual(['vm2']);
    // Names outside the description are dropped from a report.
    mergeReports(known, { vm3: { heard: ['vm3', 'intruder'], seq: 1 } }, NODES);
    expect(known.get('vm3')!.heard).toEqual(['vm3']);
  });
});

describe('chooseView and memory', () => {
  it('gives a bridge to the side that reaches the Redis primary, and otherwise ignores memory', () => {
    // Bridge through vm1 with the Redis primary on vm3: vm2 cannot reach it.
    const bridge = new Map<string, HeardReport>([
      ['vm1', { heard: NODES, seq: 1, memory: true }],
      ['vm2', { heard: ['vm1', 'vm2'], seq: 1, memory: false }],
      ['vm3', { heard: ['vm1', 'vm3'], seq: 1, memory: true }],
    ]);
    expect(everyView(bridge)).toEqual(['vm1+vm3', 'vm2', 'vm1+vm3']);
    // Everyone hears everyone: a node that cannot reach memory stays (a bigger view wins).
    const whole = new Map<string, HeardReport>(NODES.map((n) => [n, { heard: NODES, seq: 1, memory: n !== 'vm2' }]));
    expect(everyView(whole)).toEqual(['vm1+vm2+vm3', 'vm1+vm2+vm3', 'vm1+vm2+vm3']);
  });
});

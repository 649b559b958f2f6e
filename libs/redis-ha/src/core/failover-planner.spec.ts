import {
  choosePrimary,
  EMPTY_MEMORY,
  observe,
  plan,
  replicasNeeded,
  type PlannerMemory,
  type Probe,
} from './failover-planner.js';
import type { ReplicationInfo } from './replication-info.js';
import { initialTopology, withPrimary } from './topology.js';

const nodes = [
  { id: 'n1', host: '10.0.0.1', port: 6379 },
  { id: 'n2', host: '10.0.0.2', port: 6379 },
  { id: 'n3', host: '10.0.0.3', port: 6379 },
];
const ids = nodes.map((n) => n.id);
const STREAM = 'a'.repeat(40);
const ZERO = '0'.repeat(40);

const primary = (offset: number, replid = STREAM): ReplicationInfo => ({
  role: 'master',
  linkUp: false,
  replid,
  replid2: ZERO,
  offset,
  offset2: -1,
  onlineReplicas: 2,
});
const replicaOf = (host: string, offset: number, replid = STREAM): ReplicationInfo => ({
  role: 'slave',
  masterHost: host,
  masterPort: 6379,
  linkUp: true,
  replid,
  replid2: ZERO,
  offset,
  offset2: -1,
  onlineReplicas: 0,
});
/** A replica just detached (REPLICAOF NO ONE): a new ID, the old stream as its second. */
const fenced = (offset: number, id: string): ReplicationInfo => ({
  role: 'master',
  linkUp: false,
  replid: id.repeat(40),
  replid2: STREAM,
  offset,
  offset2: offset,
  onlineReplicas: 0,
});
const down = (id: string): Probe => ({ id, error: 'connect ECONNREFUSED' });

function memoryAfter(rounds: readonly (readonly Probe[])[]): PlannerMemory {
  return rounds.reduce((m, probes) => observe(m, initialTopology(ids), probes), EMPTY_MEMORY);
}

describe('failover planner', () => {
  const healthy: Probe[] = [
    { id: 'n1', info: primary(100) },
    { id: 'n2', info: replicaOf('10.0.0.1', 100) },
    { id: 'n3', info: replicaOf('10.0.0.1', 90) },
  ];

  it('needs n - k replicas: both of two with one confirming replica, never more than exist', () => {
    expect(replicasNeeded(3, 1)).toBe(2);
    expect(replicasNeeded(5, 2)).toBe(3);
    expect(replicasNeeded(3, 0)).toBe(2);
  });

  it('leaves a healthy topology alone', () => {
    expect(plan(nodes, initialTopology(ids), healthy, memoryAfter([healthy]), 1, 3)).toEqual({ kind: 'steady' });
  });

  it('attaches servers that started as primaries, and demotes a returning old primary', () => {
    const boot: Probe[] = [
      { id: 'n1', info: primary(0) },
      { id: 'n2', info: primary(0, 'b'.repeat(40)) },
      { id: 'n3', info: replicaOf('10.0.0.9', 0) },
    ];
    expect(plan(nodes, initialTopology(ids), boot, memoryAfter([boot]), 1, 3)).toEqual({
      kind: 'reconcile',
      steps: [
        { node: 'n2', action: 'follow', primary: 'n1' },
        { node: 'n3', action: 'follow', primary: 'n1' },
      ],
    });
    const epoch1 = withPrimary(ids, 1, 'n2');
    const back: Probe[] = [
      { id: 'n1', info: primary(100) },
      { id: 'n2', info: primary(120) },
      { id: 'n3', info: replicaOf('10.0.0.2', 120) },
    ];
    expect(plan(nodes, epoch1, back, observe(EMPTY_MEMORY, epoch1, back), 1, 3)).toEqual({
      kind: 'reconcile',
      steps: [{ node: 'n1', action: 'follow', primary: 'n2' }],
    });
  });

  it('waits for the primary to miss enough probes, then fences every reachable replica', () => {
    const lost: Probe[] = [down('n1'), healthy[1]!, healthy[2]!];
    const twice = memoryAfter([healthy, lost, lost]);
    expect(plan(nodes, initialTopology(ids), lost, twice, 1, 3)).toEqual({ kind: 'steady' });
    const thrice = observe(twice, initialTopology(ids), lost);
    expect(plan(nodes, initialTopology(ids), lost, thrice, 1, 3)).toEqual({
      kind: 'fence',
      nodes: ['n2', 'n3'],
      reason: 'primary n1 missed 3 probes',
    });
  });

  it('refuses to fail over when a replica that may hold a confirmed write cannot be reached', () => {
    const lost: Probe[] = [down('n1'), healthy[1]!, down('n3')];
    const memory = memoryAfter([healthy, lost, lost, lost]);
    expect(plan(nodes, initialTopology(ids), lost, memory, 1, 3)).toMatchObject({ kind: 'blocked' });
  });

  it('promotes the fenced replica that goes furthest into the lost primary stream', () => {
    const memory = memoryAfter([healthy]);
    expect(
      choosePrimary(
        nodes,
        new Map([
          ['n2', fenced(90, 'c')],
          ['n3', fenced(100, 'd')],
        ]),
        memory,
        1,
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n3' });
    // Ties go to the first in the description's order.
    expect(
      choosePrimary(
        nodes,
        new Map([
          ['n3', fenced(100, 'd')],
          ['n2', fenced(100, 'c')],
        ]),
        memory,
        1,
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n2' });
  });

  it('ignores an offset of another stream (a server that never synchronised with the lost primary)', () => {
    const memory = memoryAfter([healthy]);
    const stranger: ReplicationInfo = { ...fenced(5000, 'e'), replid2: 'f'.repeat(40) };
    expect(
      choosePrimary(
        nodes,
        new Map([
          ['n2', fenced(90, 'c')],
          ['n3', stranger],
        ]),
        memory,
        1,
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n2' });
  });

  it('a leader that never saw the primary takes the stream the fenced replicas share', () => {
    expect(
      choosePrimary(
        nodes,
        new Map([
          ['n2', fenced(90, 'c')],
          ['n3', fenced(95, 'd')],
        ]),
        EMPTY_MEMORY,
        1,
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n3' });
  });

  it('never promotes a replica whose data carries an older epoch stamp (fenced in the middle of a full resync)', () => {
    // The chaos suite: an old primary came back, was demoted, and was still loading its full
    // resync when the new primary was cut off. Fenced, it showed its own old stream with a far
    // offset; a leader that had never seen the primary promoted it and lost every write since.
    const resyncing: ReplicationInfo = { ...fenced(5000, 'e'), replid2: 'f'.repeat(40) };
    const both = new Map([
      ['n3', resyncing],
      ['n2', fenced(90, 'c')],
    ]);
    expect(
      choosePrimary(
        nodes,
        both,
        EMPTY_MEMORY,
        1,
        new Map([
          ['n3', 6],
          ['n2', 7],
        ]),
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n2' });
    expect(
      choosePrimary(
        nodes,
        both,
        memoryAfter([healthy]),
        1,
        new Map([
          ['n3', 6],
          ['n2', 7],
        ]),
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n2' });
    // Same stamps: the furthest in the shared stream, as always.
    expect(
      choosePrimary(
        nodes,
        new Map([
          ['n2', fenced(90, 'c')],
          ['n3', fenced(95, 'd')],
        ]),
        EMPTY_MEMORY,
        1,
        new Map([
          ['n2', 7],
          ['n3', 7],
        ]),
      ),
    ).toMatchObject({ kind: 'promote', primary: 'n3' });
  });

  it('refuses when fewer replicas than needed were fenced', () => {
    expect(choosePrimary(nodes, new Map([['n2', fenced(90, 'c')]]), memoryAfter([healthy]), 1)).toMatchObject({
      kind: 'blocked',
    });
  });
});

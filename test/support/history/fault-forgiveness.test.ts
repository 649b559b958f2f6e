import type { FaultWindow } from '../../chaos/workloads/workload-types.js';
import { forgiveFaultedNode, type ForgivenessOptions } from './fault-forgiveness.js';
import { HistoryBuilder } from './history-builder.js';
import { isRecord } from './history-io.js';
import { checkLinearizable } from './linearizability.js';
import { registerModel } from './models.js';

const opts: ForgivenessOptions = {
  role: 'cache',
  nodeOf: (op) => (isRecord(op.args) && typeof op.args.node === 'string' ? op.args.node : undefined),
  flushIntervalMs: 1000,
  onsetMs: 500,
  slackMs: 100,
};
const kill = (node: string, start: number, end: number, roles: FaultWindow['roles'] = ['cache']): FaultWindow => ({
  kind: 'kill',
  nodes: [node],
  roles,
  start,
  end,
});
const w = (node: string, value: number) => ({ key: 'k', node, value });
const r = (node: string) => ({ key: 'k', node });

describe('fault forgiveness', () => {
  it('makes ok ops of the faulted node inside the window unknown, and nothing else', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', w('vm1', 1), [0, 1]) // ends before start - flush - slack = 900
      .ok('a', 'write', w('vm1', 2), [950, 960]) // inside the flush interval before the kill
      .ok('b', 'read', r('vm1'), [2500, 2600], 2) // after the kill, before heal + slack
      .ok('c', 'write', w('vm2', 3), [2100, 2200]) // another node
      .fail('a', 'write', w('vm1', 4), [2100, 2200]) // not ok: left alone
      .ok('a', 'read', r('vm1'), [3200, 3300], 2) // after end + slack
      .build();
    const { history, forgiven } = forgiveFaultedNode(h, [kill('vm1', 2000, 3000)], opts);
    expect(forgiven).toBe(2);
    expect(history.map((op) => op.outcome)).toEqual(['ok', 'unknown', 'ok', 'fail', 'unknown', 'ok']);
    expect(history.map((op) => op.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(history[1]).toEqual({
      index: 1,
      process: 'a',
      op: 'write',
      args: w('vm1', 2),
      invokedAt: 950,
      completedAt: 960,
      outcome: 'unknown',
      reason: 'forgiven: kill of vm1',
    });
    expect(history[4]).not.toHaveProperty('value');
    expect(history[0]).toBe(h[0]);
  });

  it('checks the node in full once its lease ran out after the fault began', () => {
    const h = new HistoryBuilder()
      .ok('a', 'read', r('vm1'), [2550, 2650], 2) // within onset + slack (2600) of the start: forgiven
      .ok('a', 'read', r('vm1'), [2700, 2800], 2) // later in the fault: a node that still answers must be right
      .build();
    const { history, forgiven } = forgiveFaultedNode(h, [kill('vm1', 2000, 9000)], opts);
    expect(forgiven).toBe(1);
    expect(history.map((op) => op.outcome)).toEqual(['unknown', 'ok']);
  });

  it('ignores faults of other roles and faults that touched no node', () => {
    const h = new HistoryBuilder().ok('a', 'write', w('vm1', 1), [2000, 2001]).build();
    const faults: FaultWindow[] = [
      kill('vm1', 1500, 2500, ['queue', 'lock']),
      { kind: 'redis-primary-kill', nodes: [], roles: ['cache'], start: 1500, end: 2500 },
    ];
    expect(forgiveFaultedNode(h, faults, opts)).toEqual({ history: h, forgiven: 0 });
  });

  it('forgives an op spanning the window start, never an op tied to no node', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', { key: 'k', value: 1 }, [2000, 2001])
      .ok('b', 'read', r('vm1'), [100, 950], 1)
      .build();
    const { history, forgiven } = forgiveFaultedNode(h, [kill('vm1', 1500, 2500)], opts);
    expect(forgiven).toBe(1);
    expect(history.map((op) => [op.op, op.outcome])).toEqual([
      ['read', 'unknown'],
      ['write', 'ok'],
    ]);
  });

  it('lets the register checker accept a node losing its last unflushed write', () => {
    const h = new HistoryBuilder()
      .ok('p2', 'write', w('vm2', 1), [0, 10])
      .ok('p1', 'write', w('vm1', 2), [5000, 5010]) // acknowledged, never flushed
      .ok('p1', 'read', r('vm1'), [5020, 5030], 2) // saw the write that is then lost
      .ok('p3', 'read', r('vm3'), [9000, 9010], 1)
      .build();
    const faults = [kill('vm1', 5500, 7000)];
    expect(checkLinearizable(h, registerModel()).status).toBe('violation');
    const { history, forgiven } = forgiveFaultedNode(h, faults, opts);
    expect(forgiven).toBe(2);
    const result = checkLinearizable(history, registerModel());
    expect(result.message).toBe('register: linearizable (1 partitions)');
  });
});

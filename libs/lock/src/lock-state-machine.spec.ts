import type { Entry } from '@dss/raft';
import { LockStateMachine } from './lock-state-machine.js';

// The Redis topology rides in the lock nodes' log beside the lock table.

const entry = (index: number, command: object): Entry => ({
  index,
  term: 1,
  type: 'normal',
  data: JSON.stringify(command),
});
const failover = (expectEpoch: number, primary: string) => ({
  op: 'redisTopology',
  expectEpoch,
  primary,
  reason: 'test',
});

describe('LockStateMachine with a Redis topology', () => {
  it('applies topology changes by compare-and-set and tells listeners', () => {
    const m = new LockStateMachine(['node1', 'node2', 'node3']);
    const heard: number[] = [];
    m.subscribe({ onTopology: (t) => heard.push(t.epoch) });
    expect(m.redisTopology).toEqual({ epoch: 0, primary: 'node1', replicas: ['node2', 'node3'] });
    expect(m.apply(entry(1, failover(0, 'node2')))).toMatchObject({
      status: 'changed',
      topology: { epoch: 1, primary: 'node2' },
    });
    expect(m.apply(entry(2, failover(0, 'node3')))).toMatchObject({ status: 'stale' });
    expect(m.apply(entry(3, failover(1, 'node7')))).toMatchObject({ status: 'invalid' });
    expect(heard).toEqual([1]);
  });

  it('keeps locks and topology through a snapshot', () => {
    const m = new LockStateMachine(['node1', 'node2', 'node3']);
    m.apply(entry(1, { op: 'acquire', resource: 'r', owner: 'a', mode: 'exclusive', ttlMs: 1000, waitMs: 0 }));
    m.apply(entry(2, failover(0, 'node3')));
    const restored = new LockStateMachine(['node1', 'node2', 'node3']);
    restored.restore(m.snapshot());
    expect(restored.redisTopology).toEqual({ epoch: 1, primary: 'node3', replicas: ['node1', 'node2'] });
    expect(restored.table.view('r').holders.map((h) => h.owner)).toEqual(['a']);
  });

  it('reads a snapshot of a table without topology as epoch 0', () => {
    const plain = new LockStateMachine();
    plain.apply(entry(1, { op: 'acquire', resource: 'r', owner: 'a', mode: 'exclusive', ttlMs: 1000, waitMs: 0 }));
    const m = new LockStateMachine(['node1', 'node2']);
    m.apply(entry(1, failover(0, 'node2')));
    m.restore(plain.snapshot());
    expect(m.redisTopology).toEqual({ epoch: 0, primary: 'node1', replicas: ['node2'] });
  });

  it('refuses topology entries when the cluster has no raft-managed Redis', () => {
    expect(new LockStateMachine().apply(entry(1, failover(0, 'node1')))).toMatchObject({ status: 'invalid' });
  });
});

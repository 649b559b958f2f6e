import { InvalidTopologyCommandError, TopologyRegister, validateTopologyCommand } from './topology.js';

describe('Redis topology register', () => {
  const ids = ['n1', 'n2', 'n3'];

  it('starts with the first node as primary at epoch 0', () => {
    expect(new TopologyRegister(ids).current).toEqual({ epoch: 0, primary: 'n1', replicas: ['n2', 'n3'] });
  });

  it('changes only by compare-and-set on the epoch', () => {
    const r = new TopologyRegister(ids);
    expect(r.apply({ op: 'redisTopology', expectEpoch: 0, primary: 'n3', reason: 'x' })).toEqual({
      status: 'changed',
      topology: { epoch: 1, primary: 'n3', replicas: ['n1', 'n2'] },
    });
    // A second leader's decision taken at epoch 0 is stale now.
    expect(r.apply({ op: 'redisTopology', expectEpoch: 0, primary: 'n2', reason: 'y' })).toMatchObject({
      status: 'stale',
      topology: { epoch: 1, primary: 'n3' },
    });
  });

  it('refuses entries that name unknown nodes or carry unknown fields', () => {
    expect(() =>
      validateTopologyCommand({ op: 'redisTopology', expectEpoch: 0, primary: 'n9', reason: '' }, ids),
    ).toThrow(InvalidTopologyCommandError);
    expect(() =>
      validateTopologyCommand({ op: 'redisTopology', expectEpoch: -1, primary: 'n1', reason: '' }, ids),
    ).toThrow('expectEpoch');
    expect(() =>
      validateTopologyCommand({ op: 'redisTopology', expectEpoch: 0, primary: 'n1', reason: '', extra: 1 }, ids),
    ).toThrow('unexpected field');
  });
});

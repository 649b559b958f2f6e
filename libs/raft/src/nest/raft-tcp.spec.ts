import { TcpRaftCluster, until } from '../testing/tcp-raft-cluster.js';

// Three nodes in one process over real TCP with real fsync, through the
// production RaftModule and transport.

describe('Raft over real TCP with real fsync (three nodes in one process)', () => {
  jest.setTimeout(60_000);
  const cluster = new TcpRaftCluster(['n1', 'n2', 'n3'], 50);
  const items = (id: string) => cluster.machines.get(id)!.items;
  let crashed = '';

  beforeAll(() => cluster.start());
  afterAll(() => cluster.close());

  it('elects one leader that every node follows', async () => {
    await until(() => cluster.agreed(), 5000);
    expect(cluster.running().filter((id) => cluster.node(id).isLeader)).toHaveLength(1);
  });

  it('agrees on 100 proposals, each resolving with its applied result', async () => {
    const leader = cluster.node(cluster.leaderId()!);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => leader.propose(`a${i}`)));
    expect(new Set(results).size).toBe(100);
    await until(() => cluster.ids.every((id) => items(id).length === 100), 5000);
    for (const id of cluster.ids) expect(items(id)).toEqual(items('n1'));
  });

  it('serves a linearizable read point on a follower', async () => {
    const follower = cluster.running().find((id) => !cluster.node(id).isLeader)!;
    const index = await cluster.node(follower).readIndex();
    expect(index).toBeGreaterThanOrEqual(101); // 100 proposals + the leader's no-op
    expect(items(follower)).toHaveLength(100);
  });

  it('replaces a killed leader within 2 s and keeps committing', async () => {
    crashed = cluster.leaderId()!;
    await cluster.crash(crashed);
    const elapsed = await until(() => cluster.agreed(), 5000);
    expect(elapsed).toBeLessThan(2000);
    const leader = cluster.node(cluster.leaderId()!);
    await Promise.all(Array.from({ length: 200 }, (_, i) => leader.propose(`b${i}`)));
    expect(items(cluster.leaderId()!)).toHaveLength(300);
  });

  it('catches a restarted node up by snapshot', async () => {
    const survivors = cluster.running();
    // The survivors compacted while it was away (a snapshot every 50 entries).
    await until(() => survivors.every((id) => cluster.node(id).status().snapshotIndex >= 250), 5000);
    await cluster.startNode(crashed);
    await until(() => items(crashed).length === 300, 10_000);
    expect(items(crashed)).toEqual(items(survivors[0]!));
    expect(cluster.node(crashed).status().snapshotIndex).toBeGreaterThanOrEqual(250);
  });

  it('hands leadership over on a graceful stop', async () => {
    await until(() => cluster.agreed(), 5000);
    const old = cluster.leaderId()!;
    const started = Date.now();
    await cluster.stop(old);
    // Someone else leads the moment the old leader is gone: no election timeout was needed.
    expect(cluster.leaderId()).toBeDefined();
    expect(cluster.leaderId()).not.toBe(old);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(cluster.node(cluster.leaderId()!).propose('after-transfer')).resolves.toBe(301);
  });
});

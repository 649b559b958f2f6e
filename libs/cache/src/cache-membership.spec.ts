import type { NodeConfig } from '@dss/config';
import type { PeerClients } from '@dss/transport';
import { CACHE_DEAD_AFTER_MS, CACHE_LEASE_MS } from './cache-limits.js';
import { CacheMembership } from './cache-membership.service.js';

const config = {
  self: { id: 'node1' },
  peers: [{ id: 'node2' }, { id: 'node3' }],
} as unknown as NodeConfig;

/** Peers that answer pings when `up` says so. */
function fakePeers(up: Record<string, boolean>): PeerClients {
  return {
    peerIds: ['node2', 'node3'],
    call: async (peer: string) => {
      if (!up[peer]) throw new Error(`${peer} down`);
      return { node: peer };
    },
  } as unknown as PeerClients;
}

describe('CacheMembership', () => {
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('starts alone, without a majority, and serves nothing until it hears a peer', async () => {
    const m = new CacheMembership(config, fakePeers({ node2: true, node3: false }));
    expect(m.alive).toEqual(['node1']);
    expect(m.hasQuorum()).toBe(false);
    expect(m.leaseValid('node1')).toBe(false);
    await m.confirm('node2');
    expect(m.alive).toEqual(['node1', 'node2']);
    expect(m.hasQuorum()).toBe(true);
    expect(m.leaseValid('node1')).toBe(true);
  });

  it('gives a lease from the time the answered ping was sent, shorter than the dead timeout', async () => {
    expect(CACHE_LEASE_MS).toBeLessThan(CACHE_DEAD_AFTER_MS);
    const peers = fakePeers({ node2: true, node3: true });
    const slow = { ...peers, peerIds: peers.peerIds, call: async () => {
      now += 300; // the answer takes 300 ms to come back
      return { node: 'node2' };
    } } as unknown as PeerClients;
    const m = new CacheMembership(config, slow);
    const sentAt = now;
    expect(await m.confirm('node2')).toBe(true);
    now = sentAt + CACHE_LEASE_MS - 1;
    expect(m.leaseValid('node2')).toBe(true);
    now = sentAt + CACHE_LEASE_MS;
    expect(m.leaseValid('node2')).toBe(false);
    expect(m.leaseValid('node3')).toBe(false); // never confirmed
  });

  it('counts a silent peer dead after the dead timeout, moves its keys, and tells listeners', async () => {
    const up = { node2: true, node3: true };
    const m = new CacheMembership(config, fakePeers(up));
    await m.confirm('node2');
    await m.confirm('node3');
    const views: string[][] = [];
    m.onChange((v) => views.push([...v]));
    const key = Array.from({ length: 200 }, (_, i) => `k${i}`).find((k) => m.home(k) === 'node3')!;
    up.node3 = false;
    now += CACHE_DEAD_AFTER_MS - 1;
    await m.confirm('node2');
    expect(await m.confirm('node3')).toBe(false);
    m.refresh();
    expect(m.isDead('node3')).toBe(false);
    now += 1;
    m.refresh();
    expect(m.isDead('node3')).toBe(true);
    expect(views).toEqual([['node1', 'node2']]);
    expect(m.home(key)).not.toBe('node3');
    expect(m.hasQuorum()).toBe(true);
    // Back: heard again, the key goes home.
    up.node3 = true;
    await m.confirm('node3');
    expect(views).toEqual([['node1', 'node2'], ['node1', 'node2', 'node3']]);
    expect(m.home(key)).toBe('node3');
  });

  it('waits until a peer is dead, or gives up at the deadline', async () => {
    jest.restoreAllMocks();
    const m = new CacheMembership(config, fakePeers({ node2: true, node3: true }));
    await m.confirm('node2');
    const t0 = performance.now();
    expect(await m.waitUntilDead('node2', t0 + 50)).toBe(false);
    expect(await m.waitUntilDead('node3', t0 + 50)).toBe(true); // never heard: dead
    const aborted = new AbortController();
    aborted.abort();
    expect(await m.waitUntilDead('node2', t0 + 10_000, aborted.signal)).toBe(false);
  });
});

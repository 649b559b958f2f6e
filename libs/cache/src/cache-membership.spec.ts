import type { NodeConfig } from '@dss/config';
import type { PeerClients } from '@dss/transport';
import { CACHE_DEAD_AFTER_MS, CACHE_LEASE_MS } from './cache-limits.js';
import { CacheMembership } from './cache-membership.service.js';

const config = {
  self: { id: 'node1' },
  peers: [{ id: 'node2' }, { id: 'node3' }],
} as unknown as NodeConfig;

let seq = 0;

/** Peers that answer pings when `up` says so, confirming the view `views` gives them (default: node1's). */
function fakePeers(
  up: Record<string, boolean>,
  views: Record<string, string[]> = {},
  m?: { current?: CacheMembership },
): PeerClients {
  return {
    peerIds: ['node2', 'node3'],
    call: async (peer: string) => {
      if (!up[peer]) throw new Error(`${peer} down`);
      const view = views[peer] ?? [...(m?.current?.alive ?? [])];
      // It hears everyone (or what `views` says it sees).
      const heard = views[peer] ?? ['node1', 'node2', 'node3'];
      return { node: peer, view, confirmed: true, ready: true, reports: { [peer]: { heard, seq: ++seq } } };
    },
  } as unknown as PeerClients;
}

/** A membership whose peers confirm its own view, with its copies of each new term dropped at once. */
function membership(up: Record<string, boolean>, views: Record<string, string[]> = {}): CacheMembership {
  const ref: { current?: CacheMembership } = {};
  const m = new CacheMembership(config, fakePeers(up, views, ref));
  ref.current = m;
  m.onTerm((term) => m.cleaned(term));
  m.onHomeTerm((home, term) => m.homeCleaned(home, term));
  m.directoryReady(0);
  return m;
}

describe('CacheMembership', () => {
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  /** A membership that records its home-term lapses instead of dropping copies for them. */
  function recordingLapses(up: Record<string, boolean>): { m: CacheMembership; lapses: [string, number][] } {
    const ref: { current?: CacheMembership } = {};
    const m = new CacheMembership(config, fakePeers(up, {}, ref));
    ref.current = m;
    m.onTerm((term) => m.cleaned(term));
    const lapses: [string, number][] = [];
    m.onHomeTerm((home, term) => lapses.push([home, term]));
    return { m, lapses };
  }

  /** Both peers confirm the full view twice, and the copies of their home terms are dropped. */
  async function confirmBoth(m: CacheMembership, lapses: [string, number][]): Promise<void> {
    await m.confirm('node2');
    await m.confirm('node3');
    await m.confirm('node2');
    await m.confirm('node3');
    for (const [home, term] of lapses.splice(0)) m.homeCleaned(home, term);
  }

  /** For the dead timeout node3 answers none of node1's pings, while its own pings still arrive. */
  async function node3Unanswering(m: CacheMembership, up: Record<string, boolean>): Promise<void> {
    up.node3 = false;
    for (let waited = 0; waited < CACHE_DEAD_AFTER_MS; waited += 300) {
      now += 300;
      m.heard('node3');
      await m.confirm('node2');
      await m.confirm('node3');
    }
  }

  it('starts alone, without a majority, and serves nothing until a peer confirms its view', async () => {
    const m = membership({ node2: true, node3: false });
    expect(m.alive).toEqual(['node1']);
    expect(m.hasQuorum()).toBe(false);
    expect(m.canAct()).toBe(false);
    await m.confirm('node2'); // heard: the view grows (a new term), but that answer confirmed the old view
    expect(m.alive).toEqual(['node1', 'node2']);
    expect(m.hasQuorum()).toBe(true);
    expect(m.canAct()).toBe(false);
    await m.confirm('node2');
    expect(m.canAct()).toBe(true);
    expect(m.leaseValid('node2')).toBe(true);
    expect(m.leaseValid('node1')).toBe(false); // its own directory is not rebuilt for this view
    m.directoryReady(m.epoch);
    expect(m.leaseValid('node1')).toBe(true);
  });

  it('gives a lease from the time the answered ping was sent, shorter than the dead timeout', async () => {
    expect(CACHE_LEASE_MS).toBeLessThan(CACHE_DEAD_AFTER_MS);
    const m = membership({ node2: true, node3: true });
    await m.confirm('node2');
    await m.confirm('node3');
    const real = fakePeers({ node2: true, node3: true }, {}, { current: m });
    // The answer takes 300 ms to come back.
    (m as unknown as { peers: PeerClients }).peers = {
      ...real,
      peerIds: real.peerIds,
      call: async (...args: Parameters<PeerClients['call']>) => {
        now += 300;
        return real.call(...args);
      },
    } as unknown as PeerClients;
    const sentAt = now;
    expect(await m.confirm('node2')).toBe(true);
    now = sentAt + CACHE_LEASE_MS - 1;
    expect(m.leaseValid('node2')).toBe(true);
    now = sentAt + CACHE_LEASE_MS;
    expect(m.leaseValid('node2')).toBe(false);
    expect(m.canAct()).toBe(false);
  });

  it('takes no lease from a peer that sees other live nodes (the bridge the chaos suite found)', async () => {
    // node1 no longer hears node3, node2 still hears everyone: node2 is not home in node1's view
    // of the world, so its answers must not let node1 serve copies.
    const m = membership({ node2: true, node3: false }, { node2: ['node1', 'node2', 'node3'] });
    await m.confirm('node2');
    await m.confirm('node2');
    expect(m.alive).toEqual(['node1', 'node2']);
    expect(m.hasQuorum()).toBe(true);
    expect(m.canAct()).toBe(false);
    expect(m.leaseValid('node2')).toBe(false);
  });

  it('after confirming one view, confirms no other for a lease, and drops its copies at every new term', async () => {
    const m = membership({ node2: true, node3: true });
    const terms: number[] = [];
    m.onTerm((t) => terms.push(t));
    await m.confirm('node2');
    await m.confirm('node3');
    await m.confirm('node2');
    expect(m.canAct()).toBe(true);
    expect(m.answerPing('node2')).toMatchObject({ node: 'node1', view: ['node1', 'node2', 'node3'], confirmed: true });
    // node3 goes silent: the view shrinks, a new term begins, and the old promise still binds.
    now += CACHE_DEAD_AFTER_MS;
    expect(m.answerPing('node2').confirmed).toBe(true); // node2's pings go on: the full view is confirmed until it changes
    m.refresh();
    expect(m.alive).toEqual(['node1', 'node2']);
    expect(terms.length).toBeGreaterThan(0);
    expect(m.answerPing('node2').confirmed).toBe(false);
    now += CACHE_LEASE_MS;
    m.heard('node2');
    expect(m.answerPing('node2').confirmed).toBe(true);
  });

  it('drops the copies homed at a peer that answered nothing for the dead timeout before trusting it again (it may have counted this node dead)', async () => {
    const up = { node2: true, node3: true };
    const { m, lapses } = recordingLapses(up);
    await confirmBoth(m, lapses);
    expect(m.leaseValid('node3')).toBe(true);
    // node3 answers none of node1's pings for the dead timeout (its own pings still arrive, so it
    // stays in the view); node2 keeps the majority lease going.
    await node3Unanswering(m, up);
    expect(m.alive).toEqual(['node1', 'node2', 'node3']);
    expect(m.canAct()).toBe(true);
    expect(m.leaseValid('node3')).toBe(false);
    up.node3 = true;
    await m.confirm('node3');
    expect(lapses).toEqual([['node3', 2]]);
    expect(m.leaseValid('node3')).toBe(false); // not before its copies are dropped
    m.homeCleaned('node3', 2);
    expect(m.leaseValid('node3')).toBe(true);
  });

  it("serves a key's copy exactly when the lease of the key's home is valid", async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `key:${i}`);
    const agree = (): boolean[] => {
      const serves = keys.map((k) => m.servesCopyOf(k));
      expect(serves).toEqual(keys.map((k) => m.leaseValid(m.home(k))));
      return serves;
    };
    const up = { node2: true, node3: true };
    const { m, lapses } = recordingLapses(up);
    expect(agree().some(Boolean)).toBe(false); // alone: nothing
    await confirmBoth(m, lapses);
    // Every peer confirmed, but this node's own directory is not rebuilt: only its own keys wait.
    let serves = agree();
    expect(serves.some(Boolean) && !serves.every(Boolean)).toBe(true);
    m.directoryReady(m.epoch);
    expect(agree().every(Boolean)).toBe(true);
    // node3 stops answering: the keys homed at node3 are not served, the others still are.
    await node3Unanswering(m, up);
    expect(m.alive).toEqual(['node1', 'node2', 'node3']);
    serves = agree();
    expect(serves.some(Boolean) && !serves.every(Boolean)).toBe(true);
    // The majority lease runs out: nothing.
    now += CACHE_DEAD_AFTER_MS;
    expect(agree().some(Boolean)).toBe(false);
  });

  it('counts a silent peer dead after the dead timeout, moves its keys, and tells listeners', async () => {
    const up = { node2: true, node3: true };
    const m = membership(up);
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
    expect(views).toEqual([
      ['node1', 'node2'],
      ['node1', 'node2', 'node3'],
    ]);
    expect(m.home(key)).toBe('node3');
  });

  it('waits until a peer is dead, or gives up at the deadline', async () => {
    jest.restoreAllMocks();
    const m = membership({ node2: true, node3: true });
    await m.confirm('node2');
    const t0 = performance.now();
    expect(await m.waitUntilDead('node2', t0 + 50)).toBe(false);
    expect(await m.waitUntilDead('node3', t0 + 50)).toBe(true); // never heard: dead
    expect(await m.waitUntilDead('node1', t0 + 50)).toBe(false); // never itself
  });

  it('tells when a watched peer is dead, never for itself, and stops watching on request', async () => {
    jest.restoreAllMocks();
    const m = membership({ node2: true, node3: true });
    await m.confirm('node2');
    const died: string[] = [];
    const stops = ['node1', 'node2', 'node3'].map((n) => m.watchDeath(n, () => died.push(n)));
    expect(died).toEqual(['node3']); // never heard: dead at once
    expect(m.isDead('node1')).toBe(false); // never itself, although it never hears itself
    await new Promise((r) => setTimeout(r, 50));
    expect(died).toEqual(['node3']); // node2 was heard just now
    // node2 falls silent: its watch fires once it counts as dead, a stopped watch never does.
    const stoppedEarly = m.watchDeath('node2', () => died.push('stopped'));
    stoppedEarly();
    await new Promise((r) => setTimeout(r, CACHE_DEAD_AFTER_MS + 100));
    expect(died).toEqual(['node3', 'node2']);
    for (const stop of stops) stop();
  });
});

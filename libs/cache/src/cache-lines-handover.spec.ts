import { tallyCounter } from '@dss/metrics';
import { startRedisServer, type RedisServerHandle } from '../../../test/support/redis-server.js';
import { CacheLines } from './cache-lines.service.js';
import type { ResolvedCacheSettings } from './cache-settings.js';
import type { CacheMembership } from './cache-membership.service.js';
import type { CoherenceRouter } from './coherence-router.js';
import type { HomeClient } from './home-client.service.js';
import { CacheMemory } from './memory/cache-memory.js';

// A holder answering a home's downgrade or invalidate writes its dirty data to
// memory before it hands it over. The chaos suite killed a home between a
// holder's downgrade reply and the home's own write to memory: the holder was
// left Shared (clean) with the newest value, memory had the older one, and the
// next home served a stale read of an acknowledged write.

const settings: ResolvedCacheSettings = {
  maxEntries: 16,
  maxBytes: 1 << 20,
  flushIntervalMs: 3_600_000,
} as ResolvedCacheSettings;
// One real counter (outside any registry) for every metric CacheLines counts.
const counter = tallyCounter<string>({
  name: 'dss_test_cache_lines_total',
  help: 'test',
  labelNames: ['outcome', 'kind', 'reason'],
  registers: [],
});

function lines(
  memory: CacheMemory,
  lease = { valid: true },
  reach = { memory: true },
  homesOverride?: HomeClient,
): CacheLines {
  const membership = {
    self: 'vm1',
    hasQuorum: () => true,
    canAct: () => true,
    untilCanAct: async () => true,
    term: 1,
    leaseValid: () => lease.valid,
    servesCopyOf: () => lease.valid,
    reachedMemoryWithin: () => reach.memory,
    home: () => 'vm2',
    heard: () => undefined,
  } as unknown as CacheMembership;
  let version = 40;
  // The home grants M at once, with a new version as the real home does.
  const homes = {
    request: async (key: string, kind: string) => {
      if (kind === 'getS') {
        const m = await memory.read(key);
        const grant =
          m.value !== undefined
            ? { kind: 'read', state: 'E', value: m.value, version: m.version, source: 'memory' }
            : { kind: 'read', state: 'I' };
        return { grant, home: 'vm2', txn: `r${m.version}`, term: 1 };
      }
      if (kind !== 'getM') throw new Error(`unexpected ${kind}`);
      version += 1;
      return { grant: { kind: 'write', version }, home: 'vm2', txn: `t${version}`, term: 1 };
    },
    unblock: () => undefined,
  } as unknown as HomeClient;
  const router = {} as CoherenceRouter;
  return new CacheLines(
    settings,
    membership,
    router,
    homesOverride ?? homes,
    memory,
    counter,
    counter,
    counter,
    counter,
    counter,
    counter,
  );
}

describe('CacheLines: dirty data reaches memory before a hand-over (real Redis)', () => {
  let redis: RedisServerHandle;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);
  afterAll(async () => {
    await redis?.stop();
  });

  it.each(['downgrade', 'invalidate'] as const)(
    '%s: memory holds the newest value when the reply leaves, and the reply is clean',
    async (kind) => {
      const memory = new CacheMemory(redis.client());
      const node = lines(memory);
      const key = `handover-${kind}`;
      await node.write(key, 'v1');
      await node.write(key, 'v2'); // a local hit on the Modified line: only this node has v2
      expect((await memory.read(key)).value).toBeUndefined();

      const reply = await node.handleForward({ key, txn: 'h1', kind, from: 'vm2' });

      // The home may die now without storing anything: memory already has v2.
      expect((await memory.read(key)).value).toBe('v2');
      expect(reply).toMatchObject({ value: 'v2', dirty: false });
      expect(node.peek(key)).toMatchObject({ state: kind === 'downgrade' ? 'S' : 'I', dirty: false });
    },
  );

  it('a failed write-back fails the forward without changing the line, and a retry of the same forward tries again', async () => {
    const memory = new CacheMemory(redis.client());
    const node = lines(memory);
    const key = 'handover-redis-fails';
    await node.write(key, 'v1');
    const write = jest.spyOn(memory, 'write').mockRejectedValueOnce(new Error('Redis is failing over'));

    await expect(node.handleForward({ key, txn: 'h2', kind: 'downgrade', from: 'vm2' })).rejects.toThrow(
      /UNAVAILABLE: .*could not write its Modified data back/,
    );
    expect(node.peek(key)).toMatchObject({ state: 'M', dirty: true });

    const reply = await node.handleForward({ key, txn: 'h2', kind: 'downgrade', from: 'vm2' });
    expect(reply).toMatchObject({ value: 'v1', dirty: false });
    expect((await memory.read(key)).value).toBe('v1');
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('keeps a dirty copy whose lease lapsed while memory is down (the operation fails), and drops it once memory has it', async () => {
    // The chaos suite: a copy whose lease lapsed while Redis failed over was dropped with its
    // unwritten data, so the home, still listing this node as the owner, later found nothing
    // here and served memory's older value.
    const memory = new CacheMemory(redis.client());
    const lease = { valid: true };
    const node = lines(memory, lease);
    const key = 'lease-lapsed-redis-down';
    await node.write(key, 'v1');
    lease.valid = false;
    jest.spyOn(memory, 'write').mockRejectedValueOnce(new Error('Redis is failing over'));
    await expect(node.read(key)).rejects.toThrow(/UNAVAILABLE: .*could not be written back/);
    expect(node.peek(key)).toMatchObject({ state: 'M', dirty: true });
    expect((await memory.read(key)).value).toBeUndefined();

    // Memory is back: the copy goes to memory, is dropped, and the read asks the home afresh.
    await expect(node.read(key)).resolves.toMatchObject({ found: true, value: 'v1', source: 'memory' });
    expect((await memory.read(key)).value).toBe('v1');
  });

  it('refuses writes and deletes while memory has not answered lately, and still serves reads', async () => {
    // The chaos suite: under a bridge a node cut off from Redis kept its view lease for over a
    // second and took a write that it could never write back; the next view read memory's older value.
    const memory = new CacheMemory(redis.client());
    const reach = { memory: true };
    const node = lines(memory, { valid: true }, reach);
    const key = 'no-memory-no-write';
    await node.write(key, 'v1');
    reach.memory = false;
    await expect(node.write(key, 'v2')).rejects.toThrow(/UNAVAILABLE: .*has not reached memory/);
    await expect(node.remove(key)).rejects.toThrow(/UNAVAILABLE: .*has not reached memory/);
    await expect(node.read(key)).resolves.toMatchObject({ found: true, value: 'v1' });
    expect(node.peek(key)).toMatchObject({ state: 'M', dirty: true });
    reach.memory = true;
    await node.write(key, 'v2');
    await expect(node.read(key)).resolves.toMatchObject({ value: 'v2' });
  });

  it('asks again, without its copy, when ownership comes for a shared copy it dropped meanwhile', async () => {
    // A getMD from S may be granted without memory's value (the home found the copy current).
    // If the copy went in between (the home's confirmation lapsed here), there is nothing to
    // build the value from: the grant is handed back and the modify asks again.
    const memory = new CacheMemory(redis.client());
    const key = 'upgrade-copy-dropped';
    await memory.write(key, "'v1", 1);
    const calls: string[] = [];
    const unblocks: string[] = [];
    const ref: { node?: CacheLines } = {};
    const homes = {
      request: async (k: string, kind: string, shared?: boolean) => {
        calls.push(shared ? `${kind} shared` : kind);
        const m = await memory.read(k);
        if (kind === 'getS')
          return {
            grant: { kind: 'read', state: 'S', value: m.value, version: m.version, source: 'memory' },
            home: 'vm2',
            txn: 'r1',
            term: 1,
          };
        if (shared) {
          expect(await ref.node!['writeBackThenDrop'](k, 'lease')).toBe(true);
          return { grant: { kind: 'write', version: 50 }, home: 'vm2', txn: 'm1', term: 1 };
        }
        return { grant: { kind: 'write', version: 51, current: { value: m.value } }, home: 'vm2', txn: 'm2', term: 1 };
      },
      unblock: (granted: { txn: string }) => void unblocks.push(granted.txn),
    } as unknown as HomeClient;
    const node = (ref.node = lines(memory, { valid: true }, { memory: true }, homes));
    await expect(node.read(key)).resolves.toMatchObject({ state: 'S' });
    await node.modify(key, (v) => `${v}+1`);
    expect(calls).toEqual(['getS', 'getMD shared', 'getMD']);
    expect(unblocks).toEqual(['r1', 'm1', 'm2']);
    expect(node.peek(key)).toMatchObject({ state: 'M', version: 51, dirty: true });
    await expect(node.read(key)).resolves.toMatchObject({ value: "'v1+1" });
  });
});

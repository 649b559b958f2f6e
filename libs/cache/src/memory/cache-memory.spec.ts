import { startRedisServer, type RedisServerHandle } from '../../../../test/support/redis-server.js';
import {
  CACHE_FENCE_TOMBSTONE_MS,
  CACHE_TOMBSTONE_TTL_MS,
  CACHE_WRITE_BACK_BATCH,
  CACHE_WRITE_BACK_BATCH_BYTES,
} from '../cache-limits.js';
import { decodeStored, TOMBSTONE } from '../values/stored-value.js';
import { CacheMemory, memoryKey, VERSION_EPOCH_KEY } from './cache-memory.js';
import { composeVersion, MAX_VERSION_EPOCH, VersionAllocator } from './version-allocator.js';

describe('CacheMemory (real Redis)', () => {
  let server: RedisServerHandle;
  let memory: CacheMemory;
  /** Versions as a home gives them. */
  let nextVersion: () => Promise<number>;

  beforeAll(async () => {
    server = await startRedisServer();
    memory = new CacheMemory(server.client());
    const versions = new VersionAllocator(() => memory.newVersionEpoch());
    nextVersion = () => versions.next(1);
  });
  afterAll(() => server.stop());

  it('reads nothing for an unknown key, without creating it', async () => {
    expect(await memory.read('none')).toEqual({ version: 0 });
    expect(await server.client().exists(memoryKey('none'))).toBe(0);
  });

  it('allocates versions that only grow, and stores a write-back with its version', async () => {
    const v1 = await nextVersion();
    const v2 = await nextVersion();
    expect(v2).toBeGreaterThan(v1);
    expect(await memory.write('a', '"x"', v2)).toBe(true);
    expect(await memory.read('a')).toEqual({ value: '"x"', version: v2 });
    // The same grant writing again (a later flush of the same line) is accepted.
    expect(await memory.write('a', '"y"', v2)).toBe(true);
    expect(await nextVersion()).toBeGreaterThan(v2);
  });

  it('fences a late write-back older than what memory holds', async () => {
    const old = await nextVersion();
    const fresh = await nextVersion();
    expect(await memory.write('b', '"new"', fresh)).toBe(true);
    expect(await memory.write('b', '"stale"', old)).toBe(false);
    expect((await memory.read('b')).value).toBe('"new"');
  });

  it('deletes with a tombstone that fences older write-backs and expires', async () => {
    const v = await nextVersion();
    await memory.write('c', '1', v);
    const deleted = await memory.delete('c', await nextVersion());
    expect(deleted.existed).toBe(true);
    expect(deleted.version).toBeGreaterThan(v);
    expect(await memory.write('c', '"late"', v)).toBe(false);
    expect(await memory.read('c')).toEqual({ version: deleted.version });
    expect(await server.client().pttl(memoryKey('c'))).toBeGreaterThan(0);
    expect((await memory.delete('c', await nextVersion())).existed).toBe(false);
    // A write after the delete (a newer grant) lands and makes the key permanent again.
    const next = await nextVersion();
    expect(next).toBeGreaterThan(deleted.version);
    expect(await memory.write('c', '2', next)).toBe(true);
    expect(await server.client().pttl(memoryKey('c'))).toBe(-1);
  });

  it("keeps a fencing token through a delete as a tombstone, the higher of memory's and a holder's", async () => {
    const before = Date.now();
    await memory.write('f', "#7;'v", await nextVersion());
    expect(await memory.delete('f', await nextVersion())).toMatchObject({ existed: true, value: "#7;'v" });
    const tomb = decodeStored((await memory.read('f')).value!);
    expect(tomb).toMatchObject({ body: TOMBSTONE, fence: 7 });
    expect(tomb.expiresAt).toBeGreaterThanOrEqual(before + CACHE_FENCE_TOMBSTONE_MS);
    expect(await server.client().pttl(memoryKey('f'))).toBeGreaterThan(CACHE_FENCE_TOMBSTONE_MS);
    // A holder's newer token (seenFence) wins; a lower one does not lower it; tokens stay exact.
    await memory.delete('f', await nextVersion(), 9);
    expect(decodeStored((await memory.read('f')).value!).fence).toBe(9);
    await memory.delete('f', await nextVersion(), 3);
    expect(decodeStored((await memory.read('f')).value!).fence).toBe(9);
    await memory.delete('f', await nextVersion(), Number.MAX_SAFE_INTEGER);
    expect(decodeStored((await memory.read('f')).value!).fence).toBe(Number.MAX_SAFE_INTEGER);
    // An expired value's fence went with it: the delete leaves no tombstone value.
    await memory.write('g', `@${before - 1};#4;'old`, await nextVersion());
    await memory.delete('g', await nextVersion());
    expect((await memory.read('g')).value).toBeUndefined();
  });

  it('answers the value a delete removed', async () => {
    await memory.write('d', "'gone", await nextVersion());
    expect(await memory.delete('d', await nextVersion())).toMatchObject({ existed: true, value: "'gone" });
    expect(await memory.delete('d', await nextVersion())).not.toHaveProperty('value');
  });

  it("keeps the older nodes' per-key counter above every version it holds (a rolling upgrade)", async () => {
    // A node of the older scheme makes a version with HINCRBY on `seq`: it must land above
    // what this scheme's homes wrote, or that node's write-backs would be fenced out.
    const older = () => server.client().hincrby(memoryKey('mixed'), 'seq', 1);
    const v = await nextVersion();
    expect(await memory.write('mixed', "'new", v)).toBe(true);
    const fromOlder = await older();
    expect(fromOlder).toBeGreaterThan(v);
    expect(await memory.write('mixed', "'older", fromOlder)).toBe(true);
    const deleted = await memory.delete('mixed', await nextVersion());
    expect(await older()).toBeGreaterThan(deleted.version);
  });

  it('takes version epochs that only grow, and keeps versions of every size exact', async () => {
    const e1 = await memory.newVersionEpoch();
    expect(await memory.newVersionEpoch()).toBeGreaterThan(e1);
    // The largest version there can be: stored and fenced as written, never in exponent form.
    const top = composeVersion(MAX_VERSION_EPOCH, 2 ** 24 - 1);
    expect(top).toBe(Number.MAX_SAFE_INTEGER);
    expect(await memory.write('big', "'x", top - 1)).toBe(true);
    expect(await server.client().hget(memoryKey('big'), 'ver')).toBe(String(top - 1));
    expect(await memory.write('big', "'older", top - 2)).toBe(false);
    expect(await memory.write('big', "'y", top)).toBe(true);
    expect(await memory.read('big')).toEqual({ value: "'y", version: top });
    expect(await memory.delete('big', top)).toMatchObject({ existed: true, version: top });
    expect(await server.client().hget(memoryKey('big'), 'ver')).toBe(String(top));
    expect(await server.client().exists(VERSION_EPOCH_KEY)).toBe(1);
  });

  it('lets a value with an expiry go from Redis a tombstone time after it expired', async () => {
    const expiresAt = Date.now() + 60_000;
    await memory.write('f', `@${expiresAt};'soon`, await nextVersion());
    const pexpireAt = Number(await server.client().call('PEXPIRETIME', memoryKey('f')));
    expect(pexpireAt).toBe(expiresAt + CACHE_TOMBSTONE_TTL_MS);
    // A later write without expiry makes it permanent again.
    await memory.write('f', "'kept", await nextVersion());
    expect(await server.client().pttl(memoryKey('f'))).toBe(-1);
  });

  it("sends one turn's write-backs as one script call, each with its own outcome", async () => {
    const client = server.client();
    const batched = new CacheMemory(client);
    const keys = ['w1', 'w2', 'w3', 'w4'];
    const versions = await Promise.all(keys.map(() => nextVersion()));
    // w3 already holds a newer version: its write-back is refused, the others land.
    await batched.write('w3', "'newer", versions[2]! + 1);
    const evals = jest.spyOn(client, 'eval');
    try {
      const written = await Promise.all(
        keys.map((k, i) => batched.write(k, i === 1 ? `@${Date.now() + 60_000};'w2` : `'${k}`, versions[i]!)),
      );
      expect(written).toEqual([true, true, false, true]);
      expect(evals).toHaveBeenCalledTimes(1);
    } finally {
      evals.mockRestore();
    }
    expect(await batched.read('w1')).toEqual({ value: "'w1", version: versions[0] });
    expect((await batched.read('w2')).value).toMatch(/'w2$/);
    expect(await client.pttl(memoryKey('w2'))).toBeGreaterThan(0);
    expect(await batched.read('w3')).toEqual({ value: "'newer", version: versions[2]! + 1 });
    expect(await batched.read('w4')).toEqual({ value: "'w4", version: versions[3] });
  });

  it(`splits a turn's write-backs into calls of at most ${CACHE_WRITE_BACK_BATCH} keys`, async () => {
    const client = server.client();
    const batched = new CacheMemory(client);
    const count = CACHE_WRITE_BACK_BATCH + 3;
    const keys = Array.from({ length: count }, (_, i) => `many${i}`);
    const evals = jest.spyOn(client, 'eval');
    try {
      expect(await Promise.all(keys.map((k) => batched.write(k, `'${k}`, 1)))).toEqual(keys.map(() => true));
      expect(evals).toHaveBeenCalledTimes(2);
    } finally {
      evals.mockRestore();
    }
    expect((await batched.read(keys[count - 1]!)).value).toBe(`'${keys[count - 1]}`);
  });

  it(`closes a batch once its values reach about ${CACHE_WRITE_BACK_BATCH_BYTES} bytes`, async () => {
    const client = server.client();
    const batched = new CacheMemory(client);
    const big = `'${'x'.repeat(400 * 1024)}`;
    const evals = jest.spyOn(client, 'eval');
    try {
      // 400 KiB each: the third passes 1 MiB and sends the three, the fourth goes at the turn's end.
      expect(await Promise.all(['b1', 'b2', 'b3', 'b4'].map((k) => batched.write(k, big, 1)))).toEqual([
        true,
        true,
        true,
        true,
      ]);
      expect(evals).toHaveBeenCalledTimes(2);
    } finally {
      evals.mockRestore();
    }
    expect((await batched.read('b4')).value).toBe(big);
  });
});

describe('CacheMemory.reachable (real Redis)', () => {
  it('is true while Redis answers a PING in time, false when it does not answer in time or the connection is gone', async () => {
    const server = await startRedisServer();
    try {
      const client = server.client();
      const memory = new CacheMemory(client);
      await client.ping();
      expect(await memory.reachable(300)).toBe(true);
      // Another connection pauses every client for a second: the PING misses its deadline.
      await server.client().call('CLIENT', 'PAUSE', '1000', 'ALL');
      const started = performance.now();
      expect(await memory.reachable(300)).toBe(false);
      expect(performance.now() - started).toBeLessThan(900);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await memory.reachable(300)).toBe(true);
      client.disconnect();
      expect(await memory.reachable(300)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

import type { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { fencedOp, readCounter } from './counter-store.js';

// The fenced counter's script on a real redis-server (standalone: the script
// itself does not care how Redis is replicated).

describe('fenced counter script', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let n = 0;
  const freshKey = () => `test:counter:${n++}`;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = server.client();
  });
  afterAll(() => server.stop());

  it('starts at 0 and lets equal or higher tokens read and write', async () => {
    const key = freshKey();
    expect(await fencedOp(redis, key, 5, 'read')).toEqual({ done: true, value: 0 });
    expect(await fencedOp(redis, key, 5, 'write', 1)).toEqual({ done: true, value: 1 });
    expect(await fencedOp(redis, key, 9, 'read')).toEqual({ done: true, value: 1 });
    expect(await fencedOp(redis, key, 9, 'write', 2)).toEqual({ done: true, value: 2 });
    expect(await readCounter(redis, key)).toBe(2);
    expect(await redis.hget(key, 'token')).toBe('9');
  });

  it('refuses a lower token, reporting the stored one, and changes nothing', async () => {
    const key = freshKey();
    await fencedOp(redis, key, 10, 'write', 7);
    expect(await fencedOp(redis, key, 3, 'write', 99)).toEqual({ done: false, storedToken: 10 });
    expect(await fencedOp(redis, key, 3, 'read')).toEqual({ done: false, storedToken: 10 });
    expect(await readCounter(redis, key)).toBe(7);
    expect(await redis.hget(key, 'token')).toBe('10');
  });

  it('a read raises the stored token, so an older holder can no longer write', async () => {
    const key = freshKey();
    // Holder 4 reads; its lease expires; holder 6 reads the same value.
    expect(await fencedOp(redis, key, 4, 'read')).toEqual({ done: true, value: 0 });
    expect(await fencedOp(redis, key, 6, 'read')).toEqual({ done: true, value: 0 });
    // The stale holder's increment is refused; the new holder's goes through.
    expect(await fencedOp(redis, key, 4, 'write', 1)).toEqual({ done: false, storedToken: 6 });
    expect(await fencedOp(redis, key, 6, 'write', 1)).toEqual({ done: true, value: 1 });
    expect(await readCounter(redis, key)).toBe(1);
  });

  it('insists on a value for a write', async () => {
    await expect(fencedOp(redis, freshKey(), 1, 'write')).rejects.toThrow('needs a value');
  });
});

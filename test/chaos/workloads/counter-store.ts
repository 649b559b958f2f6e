// The fenced counter's storage: one Redis hash {value, token}. Every access
// goes through one Lua script, atomic on the Redis primary, that refuses a
// token older than the newest one seen. A read raises the stored token too,
// so once a newer lock holder has read, an older holder's write is refused:
// that is what makes the lock-guarded read-modify-write safe even when a
// lease expires mid-operation.
import type { Redis } from 'ioredis';

/** KEYS[1] = hash; ARGV = token, 'read' | 'write', value. Reply: {1, value} done, {0, storedToken} refused. */
export const FENCED_OP_SCRIPT = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'token') or '0')
local token = tonumber(ARGV[1])
if token < stored then return {0, stored} end
redis.call('HSET', KEYS[1], 'token', ARGV[1])
if ARGV[2] == 'read' then
  return {1, tonumber(redis.call('HGET', KEYS[1], 'value') or '0')}
end
redis.call('HSET', KEYS[1], 'value', ARGV[3])
return {1, tonumber(ARGV[3])}
`;

export type FencedOp = 'read' | 'write';

export type FencedResult =
  { readonly done: true; readonly value: number } | { readonly done: false; readonly storedToken: number };

/** Runs one fenced read or write; rejects on a Redis error or timeout (outcome unknown). */
export async function fencedOp(
  redis: Redis,
  key: string,
  token: number,
  op: FencedOp,
  value?: number,
): Promise<FencedResult> {
  if (op === 'write' && value === undefined) throw new Error('fencedOp: a write needs a value');
  const reply = await redis.eval(FENCED_OP_SCRIPT, 1, key, String(token), op, String(value ?? 0));
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
    throw new Error(`fencedOp: unexpected reply ${JSON.stringify(reply)}`);
  }
  return reply[0] === 1 ? { done: true, value: reply[1] } : { done: false, storedToken: reply[1] };
}

/** The counter's value without fencing (0 when it was never written). */
export async function readCounter(redis: Redis, key: string): Promise<number> {
  const raw = await redis.hget(key, 'value');
  return raw === null ? 0 : Number(raw);
}

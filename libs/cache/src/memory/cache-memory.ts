import type { Redis } from 'ioredis';
import { TurnBatch, TurnWaits, writeThenWait } from '@dss/config';
import {
  CACHE_FENCE_TOMBSTONE_MS,
  CACHE_MEMORY_WAIT_MS,
  CACHE_TOMBSTONE_TTL_MS,
  CACHE_WRITE_BACK_BATCH,
  CACHE_WRITE_BACK_BATCH_BYTES,
} from '../cache-limits.js';
import { decodeStored } from '../values/stored-value.js';

// "Memory" behind the caches: one Redis hash per key with the value (`val`)
// and the version of the write that produced it (`ver`). Each grant of a line
// in M has its own version, from its home (version-allocator.ts: the home's
// epoch from one Redis counter, then a count); a write-back older than what
// memory holds is refused, which fences a late write-back (a slow flush, a
// node cut off from the others) from overwriting newer data. A value with an expiry (values/stored-value.ts) makes the
// whole hash expire in Redis once the value has been gone for the tombstone time, which
// keeps the version fence as long as a delete's tombstone does.

// Before 2026-12-07 a home took each version from the key's `seq` field (HINCRBY). Keeping
// `seq` at least as high as every version memory holds lets such a node, beside this one in a
// rolling upgrade (or a rollback), still make versions above everything memory has.
const BUMP_SEQ = `
local function bumpSeq(key, verText)
  if tonumber(redis.call('HGET', key, 'seq') or '0') < tonumber(verText) then
    redis.call('HSET', key, 'seq', verText)
  end
end`;

// Write-backs, several keys per call (TurnBatch): for key i, ARGV[3i-2] is the value,
// ARGV[3i-1] its version, ARGV[3i] when the hash may go ('0': never). Answers 1 (written)
// or 0 (refused: memory holds a newer version) per key, in order.
const WRITE = `${BUMP_SEQ}
local out = {}
for i, key in ipairs(KEYS) do
  local value, verText, dropAt = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  local cur = tonumber(redis.call('HGET', key, 'ver') or '0')
  if tonumber(verText) < cur then
    out[i] = 0
  else
    redis.call('HSET', key, 'val', value, 'ver', verText)
    bumpSeq(key, verText)
    if dropAt == '0' then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, dropAt) end
    out[i] = 1
  end
end
return out`;

interface WriteBack {
  readonly key: string;
  readonly value: string;
  readonly version: number;
  /** When the hash may go (ms since the epoch), '0' for never. */
  readonly dropAt: string;
}

// A delete keeps the key's fencing token (values/fences.ts): when the old value (or the
// newest value a holder had, ARGV[3]) remembers one at ARGV[2] (now), the value becomes a
// tombstone '@<ARGV[4]>;#<fence>;' instead of going, and the hash lives until the tombstone
// has expired plus the tombstone time (ARGV[5]). The tombstone's version is ARGV[6], from the
// home. Tokens stay strings: Lua's numbers would print large ones in exponent form.
const DELETE = `${BUMP_SEQ}
local old = redis.call('HGET', KEYS[1], 'val')
local ver = ARGV[6]
local fence = ARGV[3]
if old then
  local exp, f = string.match(old, '^@(%d+);#(%d+);')
  if not exp then f = string.match(old, '^#(%d+);') end
  if f and (not exp or tonumber(exp) > tonumber(ARGV[2])) and (fence == '' or tonumber(f) > tonumber(fence)) then fence = f end
end
bumpSeq(KEYS[1], ver)
if fence ~= '' then
  redis.call('HSET', KEYS[1], 'val', '@' .. ARGV[4] .. ';#' .. fence .. ';', 'ver', ver)
  redis.call('PEXPIREAT', KEYS[1], ARGV[5])
else
  redis.call('HDEL', KEYS[1], 'val')
  redis.call('HSET', KEYS[1], 'ver', ver)
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if old then return {1, old} end
return {0}`;

/** The counter homes take their version epochs from (version-allocator.ts); no memoryKey has this form. */
export const VERSION_EPOCH_KEY = 'dss:cache:version-epoch';

export interface MemoryValue {
  readonly value?: string;
  readonly version: number;
}

export const memoryKey = (key: string): string => `dss:cache:{${key}}`;

/**
 * With Sentinel, every memory operation counts only once `replicas` replicas
 * acknowledged it on the same connection: a write-back then survives a
 * failover, and a read or write on a primary that lost its replicas (cut off,
 * or demoted but not yet told after a partition healed) fails instead of
 * returning or storing stale data. Found by the chaos suite.
 */
export class MemoryNotReplicatedError extends Error {}

export class CacheMemory {
  /** The operations of a loop turn share one WAIT, sent behind them (see TurnWaits). */
  private readonly turnWaits: TurnWaits;
  /** The write-backs of a loop turn share one script call. */
  private readonly writes = new TurnBatch<WriteBack, boolean>((batch) => this.writeBatch(batch), {
    items: CACHE_WRITE_BACK_BATCH,
    weight: CACHE_WRITE_BACK_BATCH_BYTES,
    weigh: (w) => w.value.length,
  });

  constructor(
    private readonly redis: Redis,
    private readonly replicas = 0,
  ) {
    this.turnWaits = new TurnWaits((count, timeoutMs) => this.redis.wait(count, timeoutMs));
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  get status(): string {
    return this.redis.status;
  }

  /** Whether Redis answers a PING within `timeoutMs` (the membership reports it: view-choice.ts). */
  async reachable(timeoutMs: number): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([
        this.redis.ping().then(
          () => true,
          () => false,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async read(key: string): Promise<MemoryValue> {
    const [value, version] = await this.replicated('read', () => this.redis.hmget(memoryKey(key), 'val', 'ver'));
    return { ...(value !== null ? { value } : {}), version: Number(version ?? 0) };
  }

  /**
   * Writes `value` unless memory holds a newer version; false when refused. Sent with the
   * other write-backs of this loop turn, in one script call (and one WAIT).
   */
  async write(key: string, value: string, version: number): Promise<boolean> {
    const { expiresAt } = decodeStored(value);
    const dropAt = expiresAt === undefined ? '0' : String(expiresAt + CACHE_TOMBSTONE_TTL_MS);
    return this.writes.add({ key, value, version, dropAt });
  }

  private async writeBatch(batch: readonly WriteBack[]): Promise<boolean[]> {
    const keys = batch.map((w) => memoryKey(w.key));
    const args = batch.flatMap((w) => [w.value, String(w.version), w.dropAt]);
    // Sent at the end of a turn already (TurnBatch): its WAIT follows at once, not a turn later.
    const reply = await this.replicated('write', () => this.redis.eval(WRITE, keys.length, ...keys, ...args), true);
    // TurnBatch refuses an answer of the wrong length; only its shape is checked here.
    if (!Array.isArray(reply))
      throw new Error(`unexpected reply from Redis to ${batch.length} write-backs: ${JSON.stringify(reply)}`);
    return reply.map((written: unknown) => written === 1);
  }

  /** A version epoch greater than every earlier one, for a home's VersionAllocator. */
  async newVersionEpoch(): Promise<number> {
    return this.replicated('version epoch', () => this.redis.incr(VERSION_EPOCH_KEY));
  }

  /**
   * Deletes the value, keeping a tombstone with `version` (a new one, from the home) for a
   * while; answers the value it removed. A fencing token the old value remembers, or `seenFence`
   * (a holder's newer value's), stays as a fence tombstone (values/fences.ts), so an unfenced
   * delete never lowers it.
   */
  async delete(
    key: string,
    version: number,
    seenFence?: number,
  ): Promise<{ existed: boolean; version: number; value?: string }> {
    const now = Date.now();
    const until = now + CACHE_FENCE_TOMBSTONE_MS;
    const reply = await this.replicated('delete', () =>
      this.redis.eval(
        DELETE,
        1,
        memoryKey(key),
        String(CACHE_TOMBSTONE_TTL_MS),
        String(now),
        seenFence === undefined ? '' : String(seenFence),
        String(until),
        String(until + CACHE_TOMBSTONE_TTL_MS),
        String(version),
      ),
    );
    const [existed, value] = luaTuple(reply);
    return {
      existed: existed === 1,
      version,
      ...(value !== undefined ? { value: String(value) } : {}),
    };
  }

  /**
   * Runs `op` and, with replicas to wait for, the turn's WAIT right behind it on the same
   * connection (writeThenWait): 64 clients' writes and misses reach a home at once. With
   * `waitNow` (a caller at the end of a turn already) the WAIT goes out at once.
   */
  private async replicated<T>(what: string, op: () => Promise<T>, waitNow = false): Promise<T> {
    if (this.replicas === 0) return op();
    const written = writeThenWait(this.redis, this.turnWaits, op, this.replicas, CACHE_MEMORY_WAIT_MS);
    if (waitNow) this.turnWaits.sendNow();
    const { value, acknowledged, reconnected } = await written;
    if (reconnected) throw new MemoryNotReplicatedError(`the connection to Redis changed during the ${what}`);
    if (acknowledged < this.replicas)
      throw new MemoryNotReplicatedError(
        `only ${acknowledged} of ${this.replicas} Redis replicas confirmed the ${what}`,
      );
    return value;
  }
}

/** A script's array reply, checked: its elements are numbers or strings. */
function luaTuple(reply: unknown): (number | string | undefined)[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected reply from Redis: ${JSON.stringify(reply)}`);
  return reply.map((x: unknown) => (typeof x === 'number' || typeof x === 'string' ? x : undefined));
}

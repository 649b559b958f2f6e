import { CACHE_LIMITS } from '../cache-limits.js';
import { INT64_MIN } from '../values/counters.js';
import { checkSize, type ExpireCondition, type SetOptions } from '../values/cache-values.service.js';
import { bodyBytes, bodyLength, bytesBody, type Stored } from '../values/stored-value.js';
import { fenceArg, int64Arg, keyArg, word } from './arguments.js';
import type { Command, CommandContext } from './command-types.js';
import { RespError, syntaxError } from './resp-errors.js';

// The key commands, with Redis's semantics (docs/cache.md, "Redis protocol"). Each reads
// and writes through CacheValues, as the HTTP API does; a hit (or a write by the line's
// owner) answers in the same tick, everything else when the cache has done it.

const keyCommand = (
  name: string,
  arity: number,
  write: boolean,
  run: Command['run'],
  lastKey = 1,
  step = 1,
): Command => ({
  name,
  arity,
  flags: write ? ['write'] : ['readonly', 'fast'],
  firstKey: 1,
  lastKey,
  step,
  run,
});

function replyValue(ctx: CommandContext, v: Stored | null | undefined): void {
  if (v) ctx.w.bulk(bodyBytes(v.body));
  else ctx.w.nil();
}

/** The live value: at once on a hit, else through the full read. */
function withValue(ctx: CommandContext, key: string, then: (v: Stored | undefined) => void): void | Promise<void> {
  const now = ctx.values.getNow(key);
  if (now !== undefined) return then(now ?? undefined);
  return ctx.values.get(key).then(then);
}

async function eachKey(keys: Buffer[], fn: (key: string) => void | Promise<void>): Promise<void> {
  for (const k of keys) await fn(keyArg(k));
}

/** An expiry instant from a relative (EX, PX) or absolute (EXAT, PXAT) time in seconds or ms, or a RespError. */
function expiresAt(amount: bigint, unit: 'EX' | 'PX' | 'EXAT' | 'PXAT', command: string): number {
  const now = BigInt(Date.now());
  const ms = unit === 'EX' || unit === 'EXAT' ? amount * 1000n : amount;
  const at = unit === 'EX' || unit === 'PX' ? now + ms : ms;
  if (at - now > BigInt(CACHE_LIMITS.maxTtlMs) || at > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RespError('ERR', `invalid expire time in '${command}' command`);
  return Number(at);
}

function parseSetOptions(args: Buffer[]): SetOptions {
  let only: 'NX' | 'XX' | undefined;
  let get = false;
  let keepTtl = false;
  let at: number | undefined;
  let fence: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const opt = word(args[i]!);
    if ((opt === 'NX' || opt === 'XX') && !only) only = opt;
    // DSS's own option (docs/cache.md, "Fenced writes"); Redis has no FENCE, so no client sends it by accident.
    else if (opt === 'FENCE' && fence === undefined && i + 1 < args.length) fence = fenceArg(args[++i]!);
    else if (opt === 'GET' && !get) get = true;
    else if (opt === 'KEEPTTL' && !keepTtl && at === undefined) keepTtl = true;
    else if (
      (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') &&
      at === undefined &&
      !keepTtl &&
      i + 1 < args.length
    ) {
      const n = int64Arg(args[++i]!);
      if (n <= 0n) throw new RespError('ERR', "invalid expire time in 'set' command");
      at = expiresAt(n, opt, 'set');
    } else throw syntaxError();
  }
  return {
    ...(only ? { only } : {}),
    ...(get ? { get } : {}),
    ...(keepTtl ? { keepTtl } : {}),
    ...(at !== undefined ? { expiresAt: at } : {}),
    ...(fence !== undefined ? { fence } : {}),
  };
}

const get = keyCommand('get', 2, false, (ctx, [k]) => withValue(ctx, keyArg(k!), (v) => replyValue(ctx, v)));

const set = keyCommand('set', -3, true, (ctx, [k, value, ...rest]) => {
  const key = keyArg(k!);
  const opts = parseSetOptions(rest);
  const body = bytesBody(value!);
  const plain = !opts.only && !opts.get && !opts.keepTtl && opts.fence === undefined;
  if (plain && ctx.values.setNow(key, body, opts.expiresAt)) return ctx.w.simple('OK');
  return ctx.values.set(key, body, opts).then((r) => {
    if (opts.get) replyValue(ctx, r.previous);
    else if (r.written) ctx.w.simple('OK');
    else ctx.w.nil();
  });
});

const mget = keyCommand(
  'mget',
  -2,
  false,
  async (ctx, keys) => {
    const found: (Stored | undefined)[] = [];
    await eachKey(keys, (key) => withValue(ctx, key, (v) => void found.push(v)));
    ctx.w.arrayHeader(found.length);
    for (const v of found) replyValue(ctx, v);
  },
  -1,
);

const mset = keyCommand(
  'mset',
  -3,
  true,
  async (ctx, args) => {
    if (args.length % 2 !== 0) throw new RespError('ERR', "wrong number of arguments for 'mset' command");
    // Every key and size is checked before the first write: nothing is half-applied.
    const pairs: [string, string][] = [];
    for (let i = 0; i < args.length; i += 2) {
      const body = bytesBody(args[i + 1]!);
      checkSize(body);
      pairs.push([keyArg(args[i]!), body]);
    }
    // Each key is set coherently, one after another; not atomically as a group (docs/cache.md).
    for (const [key, body] of pairs) await ctx.values.set(key, body);
    ctx.w.simple('OK');
  },
  -1,
  2,
);

const del = (name: string): Command =>
  keyCommand(
    name,
    -2,
    true,
    async (ctx, keys) => {
      let removed = 0;
      await eachKey(keys, async (key) => void (removed += (await ctx.values.delete(key)) ? 1 : 0));
      ctx.w.integer(removed);
    },
    -1,
  );

/** FDEL key token: DEL of one key with a fencing token (SET's FENCE option explains); 1 when a value went. */
const fdel = keyCommand('fdel', 3, true, async (ctx, [k, token]) => {
  const key = keyArg(k!);
  ctx.w.integer((await ctx.values.delete(key, fenceArg(token!))) ? 1 : 0);
});

const exists = keyCommand(
  'exists',
  -2,
  false,
  async (ctx, keys) => {
    let n = 0;
    await eachKey(keys, (key) => withValue(ctx, key, (v) => void (n += v ? 1 : 0)));
    ctx.w.integer(n);
  },
  -1,
);

const getdel = keyCommand('getdel', 2, true, async (ctx, [k]) => replyValue(ctx, await ctx.values.delete(keyArg(k!))));

const strlen = keyCommand('strlen', 2, false, (ctx, [k]) =>
  withValue(ctx, keyArg(k!), (v) => ctx.w.integer(v ? bodyLength(v.body) : 0)),
);

const expire = (name: 'expire' | 'pexpire'): Command =>
  keyCommand(name, -3, true, async (ctx, [k, amount, ...rest]) => {
    const key = keyArg(k!);
    const n = int64Arg(amount!);
    let condition: ExpireCondition | undefined;
    for (const r of rest) {
      const opt = word(r);
      if (opt !== 'NX' && opt !== 'XX' && opt !== 'GT' && opt !== 'LT')
        throw new RespError('ERR', `Unsupported option ${r.toString('latin1')}`);
      if (condition && condition !== opt)
        throw new RespError('ERR', 'NX and XX, GT or LT options at the same time are not compatible');
      condition = opt;
    }
    // Zero or negative deletes the value (it expires at once), as in Redis.
    const at = n <= 0n ? Date.now() : expiresAt(n, name === 'expire' ? 'EX' : 'PX', name);
    ctx.w.integer((await ctx.values.expire(key, at, condition)) ? 1 : 0);
  });

const ttl = (name: 'ttl' | 'pttl'): Command =>
  keyCommand(name, 2, false, (ctx, [k]) =>
    withValue(ctx, keyArg(k!), (v) => {
      if (!v) return ctx.w.integer(-2);
      if (v.expiresAt === undefined) return ctx.w.integer(-1);
      const left = Math.max(0, v.expiresAt - Date.now());
      ctx.w.integer(name === 'pttl' ? left : Math.floor((left + 500) / 1000));
    }),
  );

const persist = keyCommand('persist', 2, true, async (ctx, [k]) =>
  ctx.w.integer((await ctx.values.expire(keyArg(k!), undefined)) ? 1 : 0),
);

const counter = (name: string, arity: number, delta: (args: Buffer[]) => bigint): Command =>
  keyCommand(name, arity, true, async (ctx, [k, ...rest]) =>
    ctx.w.integer(await ctx.values.incrementBy(keyArg(k!), delta(rest))),
  );

const negated = (b: Buffer): bigint => {
  const n = int64Arg(b);
  if (n === INT64_MIN) throw new RespError('ERR', 'decrement would overflow');
  return -n;
};

export const KEY_COMMANDS: readonly Command[] = [
  get,
  set,
  mget,
  mset,
  del('del'),
  del('unlink'),
  fdel,
  exists,
  getdel,
  strlen,
  expire('expire'),
  expire('pexpire'),
  ttl('ttl'),
  ttl('pttl'),
  persist,
  counter('incr', 2, () => 1n),
  counter('decr', 2, () => -1n),
  counter('incrby', 3, ([by]) => int64Arg(by!)),
  counter('decrby', 3, ([by]) => negated(by!)),
];

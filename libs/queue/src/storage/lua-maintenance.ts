// Scripts the topic owner runs on a timer or an operator runs by hand.
// Each moves at most ARGV limit entries so it never blocks Redis for long.

import { LIVE_RECEIPT, PROMOTE_DUE, READY_OPS, REQUEUE_EXPIRED, writeScript } from './lua-common.js';

/** KEYS: the topic keys. ARGV: now, limit. Reply: ids promoted. */
export const PROMOTE_LUA = writeScript(
  READY_OPS,
  PROMOTE_DUE,
  `return promote_due(tonumber(ARGV[1]), tonumber(ARGV[2]))`,
);

/**
 * KEYS: the topic keys. ARGV: now, limit, maxDeliveries.
 * Reply: {deliveries taken back, messages of groups that moved on}.
 */
export const REQUEUE_LUA = writeScript(
  LIVE_RECEIPT,
  READY_OPS,
  REQUEUE_EXPIRED,
  `return {requeue_expired(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])), readied}`,
);

/**
 * redrive: oldest dead letters to the tail of their ready level, deliveries
 * reset to 0. A grouped one goes back through its group like a new publish:
 * ready if the group has nothing out, else last in the group's line (so a
 * group never has two messages out).
 * KEYS: the topic keys. ARGV: limit. Reply: ids moved.
 */
export const REDRIVE_LUA = writeScript(
  READY_OPS,
  `
local ids = redis.call('LPOP', K_DEAD, tonumber(ARGV[1]))
if not ids then return 0 end
redis.call('HDEL', K_DELIVERIES, unpack(ids))
local metas = redis.call('HMGET', K_META, unpack(ids))
for i = 1, #ids do
  local p, g = parse_meta(metas[i])
  if g then join_group(ids[i], p, g) else push_level(p, ids[i], false) end
end
return #ids
`,
);

/**
 * redrive by id: the named dead letters (each found by LREM from the oldest,
 * so ids taken from GET /dead are found quickly) go back exactly as REDRIVE_LUA
 * sends them, all in this one script. ARGV: ids (distinct).
 * Reply: {ids moved, {ids not dead in this topic}}.
 */
export const REDRIVE_IDS_LUA = writeScript(
  READY_OPS,
  `
local moved, missing = 0, {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if redis.call('LREM', K_DEAD, 1, id) == 1 then
    redis.call('HDEL', K_DELIVERIES, id)
    local p, g = meta_of(id)
    if g then join_group(id, p, g) else push_level(p, id, false) end
    moved = moved + 1
  else
    missing[#missing + 1] = id
  end
end
return {moved, missing}
`,
);

/**
 * purge: the oldest dead letters are deleted with everything kept about them
 * (envelope, deliveries, meta). Their groups moved on when they died.
 * KEYS: the topic keys. ARGV: limit. Reply: ids deleted.
 */
export const PURGE_DEAD_LUA = writeScript(`
local ids = redis.call('LPOP', K_DEAD, tonumber(ARGV[1]))
if not ids then return 0 end
redis.call('HDEL', K_MSG, unpack(ids))
redis.call('HDEL', K_DELIVERIES, unpack(ids))
redis.call('HDEL', K_META, unpack(ids))
return #ids
`);

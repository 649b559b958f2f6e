// Read-only scripts (flags=no-writes): one consistent snapshot per call,
// allowed on replicas and while Redis is out of memory.

import { readScript } from './lua-common.js';

/**
 * Reply: {ready, inflight, delayed, dead, waiting, groups, fence or false}.
 * ready sums the priority levels (at most ten lists); waiting counts grouped
 * messages behind their group's head; groups counts groups with one out.
 */
export const STATS_LUA = readScript(`
local ready = redis.call('LLEN', K_READY)
local levels = redis.call('ZRANGE', K_LEVELS, 0, -1)
for i = 1, #levels do ready = ready + redis.call('LLEN', K_READY .. ':p' .. levels[i]) end
local state = redis.call('HMGET', K_STATE, 'waiting', 'fence')
return {ready, redis.call('ZCARD', K_INFLIGHT), redis.call('ZCARD', K_DELAYED), redis.call('LLEN', K_DEAD),
        tonumber(state[1]) or 0, redis.call('HLEN', K_GHEAD), state[2]}
`);

/** Earliest delayed due time or in-flight deadline; Reply: score string or nil. */
export const NEXT_DUE_LUA = readScript(`
local a = redis.call('ZRANGE', K_DELAYED, 0, 0, 'WITHSCORES')[2]
local b = redis.call('ZRANGE', K_INFLIGHT, 0, 0, 'WITHSCORES')[2]
if a and b then
  if tonumber(a) <= tonumber(b) then return a end
  return b
end
return a or b
`);

/** ARGV: limit. Reply: flat {id, envelope, deliveries, ...}, oldest dead letter first. */
export const DEAD_LUA = readScript(`
local ids = redis.call('LRANGE', K_DEAD, 0, tonumber(ARGV[1]) - 1)
local out = {}
for i = 1, #ids do
  local id = ids[i]
  local envelope = redis.call('HGET', K_MSG, id)
  if envelope then
    out[#out + 1] = id
    out[#out + 1] = envelope
    out[#out + 1] = tonumber(redis.call('HGET', K_DELIVERIES, id)) or 0
  end
end
return out
`);

// Read-only scripts (flags=no-writes): one consistent snapshot per call,
// allowed on replicas and while Redis is out of memory.

import { readScript } from './lua-common.js';
import { DEFAULT_PRIORITY } from './queue-limits.js';

/**
 * Reply: {ready, inflight, delayed, dead, waiting, groups, fence or false,
 * last publish (ms) or false}.
 * ready sums the priority levels (at most ten lists); waiting counts grouped
 * messages behind their group's head; groups counts groups with one out.
 */
export const STATS_LUA = readScript(`
local ready = redis.call('LLEN', K_READY)
local levels = redis.call('ZRANGE', K_LEVELS, 0, -1)
for i = 1, #levels do ready = ready + redis.call('LLEN', K_READY .. ':p' .. levels[i]) end
local state = redis.call('HMGET', K_STATE, 'waiting', 'fence', 'published')
return {ready, redis.call('ZCARD', K_INFLIGHT), redis.call('ZCARD', K_DELAYED), redis.call('LLEN', K_DEAD),
        tonumber(state[1]) or 0, redis.call('HLEN', K_GHEAD), state[2], state[3]}
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

/**
 * browse: up to ARGV limit messages of one state, read only (ARGV: state,
 * limit). ready: priority levels highest first, each in list order, which is
 * the delivery order except for the fairness turn (every FAIR_EVERY-th take
 * while several levels are ready) and grouped messages waiting behind their
 * head (not ready, not listed). delayed: due time order; inflight: visibility
 * deadline order. Receipts are never returned: a reader must not be able to
 * ack someone else's delivery.
 * Reply: flat {id, envelope, deliveries, at, ...}; at is the due time
 * (delayed), the visibility deadline (inflight) or false (ready).
 */
export const BROWSE_LUA = readScript(`
local state, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
local function add(id, at)
  local envelope = redis.call('HGET', K_MSG, id)
  if not envelope then return end
  out[#out + 1] = id
  out[#out + 1] = envelope
  out[#out + 1] = tonumber(redis.call('HGET', K_DELIVERIES, id)) or 0
  out[#out + 1] = at
end
if state == 'ready' then
  local levels = redis.call('ZRANGE', K_LEVELS, 0, -1)
  local keys, default_done = {}, false
  for i = #levels, 1, -1 do
    local p = tonumber(levels[i])
    if not default_done and p < ${DEFAULT_PRIORITY} then
      keys[#keys + 1] = K_READY
      default_done = true
    end
    keys[#keys + 1] = K_READY .. ':p' .. p
  end
  if not default_done then keys[#keys + 1] = K_READY end
  for i = 1, #keys do
    local left = limit - #out / 4
    if left <= 0 then break end
    local ids = redis.call('LRANGE', keys[i], 0, left - 1)
    for j = 1, #ids do add(ids[j], false) end
  end
elseif state == 'delayed' then
  local entries = redis.call('ZRANGE', K_DELAYED, 0, limit - 1, 'WITHSCORES')
  for i = 1, #entries, 2 do add(entries[i], tonumber(entries[i + 1])) end
elseif state == 'inflight' then
  local entries = redis.call('ZRANGE', K_INFLIGHT, 0, limit - 1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    local id = redis.call('HGET', K_RECEIPTS, entries[i])
    if id then add(id, tonumber(entries[i + 1])) end
  end
else
  return redis.error_reply('ERR browse: unknown state ' .. state)
end
return out
`);

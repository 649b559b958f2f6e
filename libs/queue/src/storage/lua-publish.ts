// publish: store the envelopes, then append to ready (or the delayed zset).
// With a dedup key: a live key answers with the original ids and writes
// nothing. The key stores "<expiresAt>|id,id,..": expiry is judged against
// the caller's clock (deterministic), PX only reclaims the memory.
// KEYS: 7 topic keys, dedup key. ARGV: now, delayMs, dedupWindowMs (0 = no
// dedup), then id1, envelope1, id2, envelope2, ...
// Reply: {1, "id,id"} for a duplicate, {0} when published.

import { writeScript } from './lua-common.js';

export const PUBLISH_LUA = writeScript(`
local now, delay, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local K_DEDUP = KEYS[8]
if window > 0 then
  local prev = redis.call('GET', K_DEDUP)
  if prev then
    local sep = string.find(prev, '|', 1, true)
    if sep and now < tonumber(string.sub(prev, 1, sep - 1)) then
      return {1, string.sub(prev, sep + 1)}
    end
  end
end
local ids = {}
for i = 4, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
redis.call('HSET', K_MSG, unpack(ARGV, 4))
if delay > 0 then
  local zargs = {}
  for i = 1, #ids do
    zargs[#zargs + 1] = now + delay
    zargs[#zargs + 1] = ids[i]
  end
  redis.call('ZADD', K_DELAYED, unpack(zargs))
else
  redis.call('RPUSH', K_READY, unpack(ids))
end
if window > 0 then
  redis.call('SET', K_DEDUP, (now + window) .. '|' .. table.concat(ids, ','), 'PX', window)
end
return {0}
`);

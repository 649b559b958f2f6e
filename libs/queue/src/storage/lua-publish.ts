// publish: store the envelopes, then append to ready (or the delayed zset, or
// the message group's line). With a dedup key: a live key answers with the
// original ids and writes nothing. The key stores "<expiresAt>|id,id,..":
// expiry is judged against the caller's clock (deterministic), PX only
// reclaims the memory. With a fencing token: a token lower than the highest
// one that published to the topic is refused before anything is written (a
// lock holder that lost its lock cannot slip a message in after its
// successor); an equal or higher one is accepted, and a higher one is
// remembered.
// KEYS: the topic keys, dedup key. ARGV: now, delayMs, dedupWindowMs (0 = no
// dedup), fence token ('' = none), group ('' = none), priority, then id1,
// envelope1, id2, envelope2, ...
// Reply: {1, "id,id"} for a duplicate, {2, "<remembered token>"} when fenced,
// {0, readyNow} when published (readyNow: how many became ready at once).
//
// publish-take: the same publish, then a consume's take for a consumer
// waiting on the node that received the publish (the handoff: the message
// goes to it without a wake-up and a consume of its own). ARGV: the six
// fixed publish arguments, then max, visibilityMs, maxDeliveries, nonce,
// moveLimit, then the id/envelope pairs. Reply: the publish's reply when it
// is a duplicate or fenced; else {0, readyNow, {taken, as consume's}, readied}.

import { LIVE_RECEIPT, PROMOTE_DUE, READY_OPS, REQUEUE_EXPIRED, TAKE_BATCH, writeScript } from './lua-common.js';

/** `publish(first)`: the pairs start at ARGV[first]. Needs READY_OPS. */
const PUBLISH_FN = `
local function publish(FIRST)
local now, delay, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local fence, group, prio = ARGV[4], ARGV[5], tonumber(ARGV[6])
local K_DEDUP = KEYS[12]
if window > 0 then
  local prev = redis.call('GET', K_DEDUP)
  if prev then
    local sep = string.find(prev, '|', 1, true)
    if sep and now < tonumber(string.sub(prev, 1, sep - 1)) then
      return {1, string.sub(prev, sep + 1)}
    end
  end
end
if fence ~= '' then
  local seen = redis.call('HGET', K_STATE, 'fence')
  if seen and tonumber(fence) < tonumber(seen) then return {2, seen} end
  if not seen or tonumber(fence) > tonumber(seen) then redis.call('HSET', K_STATE, 'fence', fence) end
end
local ids = {}
for i = FIRST, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
redis.call('HSET', K_MSG, unpack(ARGV, FIRST))
local ready_now = #ids
if group ~= '' or prio ~= DEFAULT_PRIORITY then
  local meta = group == '' and tostring(prio) or (prio .. '|' .. group)
  local margs = {}
  for i = 1, #ids do
    margs[#margs + 1] = ids[i]
    margs[#margs + 1] = meta
  end
  redis.call('HSET', K_META, unpack(margs))
end
if group ~= '' then
  -- The store refuses delayMs with a group: a group's line has no due times.
  ready_now = 0
  for i = 1, #ids do ready_now = ready_now + join_group(ids[i], prio, group) end
elseif delay > 0 then
  local zargs = {}
  for i = 1, #ids do
    zargs[#zargs + 1] = now + delay
    zargs[#zargs + 1] = ids[i]
  end
  redis.call('ZADD', K_DELAYED, unpack(zargs))
  ready_now = 0
else
  redis.call('RPUSH', level_key(prio), unpack(ids))
  if prio ~= DEFAULT_PRIORITY then redis.call('ZADD', K_LEVELS, prio, prio) end
end
-- When the topic last took a publish: listing prunes only topics idle past every store's registration memory.
redis.call('HSET', K_STATE, 'published', now)
if window > 0 then
  redis.call('SET', K_DEDUP, (now + window) .. '|' .. table.concat(ids, ','), 'PX', window)
end
return {0, ready_now}
end
`;

export const PUBLISH_LUA = writeScript(READY_OPS, PUBLISH_FN, 'return publish(7)');

export const PUBLISH_TAKE_LUA = writeScript(
  LIVE_RECEIPT,
  READY_OPS,
  PROMOTE_DUE,
  REQUEUE_EXPIRED,
  TAKE_BATCH,
  PUBLISH_FN,
  `
local max, vis, max_deliveries = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local nonce, move_limit = ARGV[10], tonumber(ARGV[11])
-- Resent after its reply was lost: the first run published and took already.
local again = taken_before(nonce, max)
if again then return {0, 0, again, 0} end
local published = publish(12)
if published[1] ~= 0 then return published end
local out = take_batch(tonumber(ARGV[1]), max, vis, max_deliveries, nonce, move_limit)
return {0, published[2], out, readied}
`,
);

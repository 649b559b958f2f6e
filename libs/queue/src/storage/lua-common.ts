// Lua shared by the queue scripts. Every script receives the eleven topic keys
// in the same order (see topicKeyList), so fragments can name them directly.
// `#!lua` makes Redis 7 check OOM and replica state before the script runs,
// so a write script is refused whole instead of failing halfway.

import { DEFAULT_PRIORITY, PRIORITY_FAIR_EVERY } from './queue-limits.js';

export const WRITE_SHEBANG = '#!lua';
export const READ_SHEBANG = '#!lua flags=no-writes';

export const KEY_PREAMBLE = `
local K_MSG, K_READY, K_DELAYED, K_INFLIGHT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_RECEIPTS, K_DELIVERIES, K_DEAD = KEYS[5], KEYS[6], KEYS[7]
local K_META, K_GHEAD, K_LEVELS, K_STATE = KEYS[8], KEYS[9], KEYS[10], KEYS[11]
`;

/** Number of topic keys every script takes first. */
export const TOPIC_KEY_COUNT = 11;

/** Receipt -> id when the delivery is still in its window; false otherwise. */
export const LIVE_RECEIPT = `
local function live_receipt(r, now)
  local deadline = redis.call('ZSCORE', K_INFLIGHT, r)
  if not deadline or tonumber(deadline) <= now then return false end
  return redis.call('HGET', K_RECEIPTS, r)
end
local function release_receipt(r)
  redis.call('HDEL', K_RECEIPTS, r)
  redis.call('ZREM', K_INFLIGHT, r)
end
local function deliveries_of(id)
  return tonumber(redis.call('HGET', K_DELIVERIES, id)) or 0
end
`;

/**
 * Priorities and message groups (docs/queue-storage.md). A message of the
 * default priority without a group has no meta entry and lives in K_READY
 * exactly as before either existed; the others carry "<priority>" or
 * "<priority>|<group>" in K_META. Each other priority has its own ready list
 * `<ready>:p<n>`, and K_LEVELS holds the levels other than the default whose
 * list is not empty, so a topic that never used priorities pays one EXISTS
 * per take. A group keeps at most one message out (ready, delayed or in
 * flight): its head, named in K_GHEAD; the rest wait in publish order in the
 * list `<ghead>:<group>` and enter ready one at a time when the head is acked
 * or dead-lettered. These keys are derived from declared ones and share the
 * topic's hash tag, so every script stays in the topic's Cluster slot.
 * `readied` counts messages made ready by a group moving on, for wake-ups.
 */
export const READY_OPS = `
local DEFAULT_PRIORITY, FAIR_EVERY = ${DEFAULT_PRIORITY}, ${PRIORITY_FAIR_EVERY}
local readied = 0
local function level_key(p)
  if p == DEFAULT_PRIORITY then return K_READY end
  return K_READY .. ':p' .. p
end
local function group_key(g) return K_GHEAD .. ':' .. g end
local function parse_meta(m)
  if not m then return DEFAULT_PRIORITY, nil end
  local sep = string.find(m, '|', 1, true)
  if not sep then return tonumber(m), nil end
  return tonumber(string.sub(m, 1, sep - 1)), string.sub(m, sep + 1)
end
local function meta_of(id) return parse_meta(redis.call('HGET', K_META, id)) end
local function push_level(p, id, at_head)
  if at_head then redis.call('LPUSH', level_key(p), id) else redis.call('RPUSH', level_key(p), id) end
  if p ~= DEFAULT_PRIORITY then redis.call('ZADD', K_LEVELS, p, p) end
end
-- The head of group g is done (acked or dead): the group's next message, if any, joins the tail of ready.
local function group_moves_on(id, g)
  if redis.call('HGET', K_GHEAD, g) ~= id then return end
  local nxt = redis.call('LPOP', group_key(g))
  if not nxt then
    redis.call('HDEL', K_GHEAD, g)
    return
  end
  redis.call('HSET', K_GHEAD, g, nxt)
  redis.call('HINCRBY', K_STATE, 'waiting', -1)
  push_level(meta_of(nxt), nxt, false)
  readied = readied + 1
end
-- Message id leaves the topic (acked, or its envelope is gone): free its group and its meta.
local function forget(id)
  local m = redis.call('HGET', K_META, id)
  if not m then return end
  local _, g = parse_meta(m)
  if g then group_moves_on(id, g) end
  redis.call('HDEL', K_META, id)
end
-- Message id goes to the dead letters; it keeps its meta (a redrive needs it), its group moves on.
local function bury(id)
  redis.call('RPUSH', K_DEAD, id)
  local _, g = meta_of(id)
  if g then group_moves_on(id, g) end
end
-- A grouped message comes (back) without being its group's head: head if the group is idle, else last in line.
local function join_group(id, p, g)
  if redis.call('HSETNX', K_GHEAD, g, id) == 1 then
    push_level(p, id, false)
    return 1
  end
  redis.call('RPUSH', group_key(g), id)
  redis.call('HINCRBY', K_STATE, 'waiting', 1)
  return 0
end
local function pop_level(p)
  local key = level_key(p)
  local id = redis.call('LPOP', key)
  if id and p ~= DEFAULT_PRIORITY and redis.call('LLEN', key) == 0 then redis.call('ZREM', K_LEVELS, p) end
  return id
end
-- Next ready id: the highest priority level's head, except that every FAIR_EVERY-th take while
-- more than one level has messages serves the oldest head (ids sort by publish time): no level starves.
local function take_ready()
  if redis.call('EXISTS', K_LEVELS) == 0 then return redis.call('LPOP', K_READY) end
  local levels = redis.call('ZRANGE', K_LEVELS, 0, -1)
  local cands = {}
  local default_ready = redis.call('LLEN', K_READY) > 0
  for i = #levels, 1, -1 do
    local p = tonumber(levels[i])
    if default_ready and p < DEFAULT_PRIORITY then
      cands[#cands + 1] = DEFAULT_PRIORITY
      default_ready = false
    end
    cands[#cands + 1] = p
  end
  if default_ready then cands[#cands + 1] = DEFAULT_PRIORITY end
  local pick = cands[1]
  if #cands > 1 and redis.call('HINCRBY', K_STATE, 'takes', 1) % FAIR_EVERY == 0 then
    local oldest = nil
    for i = 1, #cands do
      local head = redis.call('LINDEX', level_key(cands[i]), 0)
      if head and (oldest == nil or head < oldest) then oldest, pick = head, cands[i] end
    end
  end
  local id = pop_level(pick)
  -- Defensive: a level listed but empty (never left so by these scripts) would end every consume early.
  if not id and pick ~= DEFAULT_PRIORITY then
    redis.call('ZREM', K_LEVELS, pick)
    return take_ready()
  end
  return id
end
`;

/**
 * Due delayed ids go to the tail of their ready level in due order (ties by
 * id, which is publish order), so they queue behind what was already ready.
 * A delayed grouped message is its group's head (nacked with a delay), so it
 * goes back to ready, not behind its group.
 */
export const PROMOTE_DUE = `
local function promote_due(now, limit)
  local ids = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now, 'LIMIT', 0, limit)
  if #ids == 0 then return 0 end
  redis.call('ZREM', K_DELAYED, unpack(ids))
  local metas = redis.call('HMGET', K_META, unpack(ids))
  local plain = {}
  for i = 1, #ids do
    if metas[i] then
      push_level(parse_meta(metas[i]), ids[i], false)
    else
      plain[#plain + 1] = ids[i]
    end
  end
  if #plain > 0 then redis.call('RPUSH', K_READY, unpack(plain)) end
  return #ids
end
`;

/**
 * Expired deliveries go back to the HEAD of their ready level, earliest
 * deadline first: a redelivery is never starved behind a backlog, first
 * deliveries keep their relative (FIFO) order, and a group's head stays its
 * head (its group is not released). A message out of deliveries goes straight
 * to the dead-letter list so "dead" shows up without waiting for a consumer.
 * Its old receipt is dropped, which is what makes that receipt stale.
 */
export const REQUEUE_EXPIRED = `
local function requeue_expired(now, limit, max_deliveries)
  local receipts = redis.call('ZRANGEBYSCORE', K_INFLIGHT, '-inf', now, 'LIMIT', 0, limit)
  local back = {}
  for i = 1, #receipts do
    local r = receipts[i]
    local id = redis.call('HGET', K_RECEIPTS, r)
    release_receipt(r)
    if id then
      if deliveries_of(id) >= max_deliveries then
        bury(id)
      else
        back[#back + 1] = id
      end
    end
  end
  for i = #back, 1, -1 do push_level(meta_of(back[i]), back[i], true) end
  return #receipts
end
`;

/**
 * A consume's take, shared by consume and publish-take: due delayed messages
 * promoted, expired deliveries taken back, then up to `max` from the head of
 * ready, each under receipt `<nonce>.<n>`. `taken_before` answers a call
 * resent under the same nonce. Needs LIVE_RECEIPT, READY_OPS, PROMOTE_DUE and
 * REQUEUE_EXPIRED.
 */
export const TAKE_BATCH = `
-- What an earlier run under this nonce took (the call resent after its reply was lost), or nil.
local function taken_before(nonce, max)
  if redis.call('HEXISTS', K_RECEIPTS, nonce .. '.1') == 0 then return nil end
  local again = {}
  for n = 1, max do
    local receipt = nonce .. '.' .. n
    local id = redis.call('HGET', K_RECEIPTS, receipt)
    if not id then break end
    local envelope = redis.call('HGET', K_MSG, id)
    if envelope then
      again[#again + 1] = id
      again[#again + 1] = receipt
      again[#again + 1] = envelope
      again[#again + 1] = deliveries_of(id)
    end
  end
  return again
end
local function take_batch(now, max, vis, max_deliveries, nonce, move_limit)
  promote_due(now, move_limit)
  requeue_expired(now, move_limit, max_deliveries)
  local out = {}
  local n = 0
  local budget = max + move_limit
  while n < max and budget > 0 do
    budget = budget - 1
    local id = take_ready()
    if not id then break end
    local envelope = redis.call('HGET', K_MSG, id)
    if not envelope then
      forget(id)
    else
      if deliveries_of(id) >= max_deliveries then
        bury(id)
      else
        local d = redis.call('HINCRBY', K_DELIVERIES, id, 1)
        n = n + 1
        local receipt = nonce .. '.' .. n
        redis.call('HSET', K_RECEIPTS, receipt, id)
        redis.call('ZADD', K_INFLIGHT, now + vis, receipt)
        out[#out + 1] = id
        out[#out + 1] = receipt
        out[#out + 1] = envelope
        out[#out + 1] = d
      end
    end
  end
  return out
end
`;

export function writeScript(...parts: string[]): string {
  return [WRITE_SHEBANG, KEY_PREAMBLE, ...parts].join('\n');
}

export function readScript(...parts: string[]): string {
  return [READ_SHEBANG, KEY_PREAMBLE, ...parts].join('\n');
}

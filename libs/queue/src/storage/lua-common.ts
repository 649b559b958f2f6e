// Lua shared by the queue scripts. Every script receives the seven topic keys
// in the same order (see topicKeyList), so fragments can name them directly.
// `#!lua` makes Redis 7 check OOM and replica state before the script runs,
// so a write script is refused whole instead of failing halfway.

export const WRITE_SHEBANG = '#!lua';
export const READ_SHEBANG = '#!lua flags=no-writes';

export const KEY_PREAMBLE = `
local K_MSG, K_READY, K_DELAYED, K_INFLIGHT = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_RECEIPTS, K_DELIVERIES, K_DEAD = KEYS[5], KEYS[6], KEYS[7]
`;

/** Number of topic keys every script takes first. */
export const TOPIC_KEY_COUNT = 7;

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
 * Due delayed ids go to the tail of ready in due order (ties by id, which is
 * publish order), so they queue behind what was already ready.
 */
export const PROMOTE_DUE = `
local function promote_due(now, limit)
  local ids = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now, 'LIMIT', 0, limit)
  if #ids > 0 then
    redis.call('ZREM', K_DELAYED, unpack(ids))
    redis.call('RPUSH', K_READY, unpack(ids))
  end
  return #ids
end
`;

/**
 * Expired deliveries go back to the HEAD of ready, earliest deadline first:
 * a redelivery is never starved behind a backlog, and first deliveries keep
 * their relative (FIFO) order. A message out of deliveries goes straight to
 * the dead-letter list so "dead" shows up without waiting for a consumer.
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
        redis.call('RPUSH', K_DEAD, id)
      else
        back[#back + 1] = id
      end
    end
  end
  for i = #back, 1, -1 do redis.call('LPUSH', K_READY, back[i]) end
  return #receipts
end
`;

export function writeScript(...parts: string[]): string {
  return [WRITE_SHEBANG, KEY_PREAMBLE, ...parts].join('\n');
}

export function readScript(...parts: string[]): string {
  return [READ_SHEBANG, KEY_PREAMBLE, ...parts].join('\n');
}

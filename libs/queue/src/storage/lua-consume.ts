// consume: first promote due delayed messages and take back expired
// deliveries, then pop up to `max` ids from the head of ready. Each delivery
// bumps the count and gets a fresh receipt `${nonce}.${n}` with deadline
// now + visibility. An id already at the delivery limit is dead-lettered
// instead of delivered. Pops are bounded so one call cannot run away on a
// ready list full of exhausted messages. Receipts given after the fixed
// arguments are acked first, in the same script (ack-and-fetch: a consumer
// loop needs one request per batch instead of two).
// KEYS: the topic keys. ARGV: now, max, visibilityMs, maxDeliveries, nonce, moveLimit, receipt1, ...
// Ready ids come from take_ready (priorities; at most one per message group).
// Reply: {acked, {stale receipts}, {id, receipt, envelope, deliveries, ...}, readied}
// (readied: messages of groups that moved on, for wake-ups).
// TAKE_BATCH is the take itself, shared with the publish that hands its
// messages straight to a waiting consumer (PUBLISH_TAKE_LUA).

import { LIVE_RECEIPT, PROMOTE_DUE, READY_OPS, REQUEUE_EXPIRED, writeScript } from './lua-common.js';
import { ACK_RECEIPTS } from './lua-receipts.js';

/** Needs LIVE_RECEIPT, READY_OPS, PROMOTE_DUE and REQUEUE_EXPIRED. */
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

export const CONSUME_LUA = writeScript(
  LIVE_RECEIPT,
  READY_OPS,
  ACK_RECEIPTS,
  PROMOTE_DUE,
  REQUEUE_EXPIRED,
  TAKE_BATCH,
  `
local now, max, vis = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local max_deliveries, nonce, move_limit = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
-- The same call again (a command resent after its reply was lost): answer what the first run
-- delivered. Taking more under the same receipts would orphan the first batch for good. Its
-- acks were applied by the first run; their receipts are dead now, so none is reported.
local again = taken_before(nonce, max)
if again then return {0, {}, again, 0} end
local acked, stale = ack_receipts(now, 7)
local out = take_batch(now, max, vis, max_deliveries, nonce, move_limit)
return {acked, stale, out, readied}
`,
);

// Scripts that act on a receipt. A receipt counts only while it is in the
// in-flight zset with a deadline after `now`; otherwise it is stale (its
// window ran out, it was requeued, acked or nacked) and nothing changes.

import { LIVE_RECEIPT, READY_OPS, writeScript } from './lua-common.js';

/**
 * Deletes each live delivery's message entirely; ARGV[from..] are receipts.
 * A group whose head is acked moves on to its next message.
 * Shared by ack and by consume's ack-and-fetch.
 */
export const ACK_RECEIPTS = `
local function ack_receipts(now, from)
  local acked, stale = 0, {}
  for i = from, #ARGV do
    local r = ARGV[i]
    local id = live_receipt(r, now)
    if id then
      release_receipt(r)
      redis.call('HDEL', K_MSG, id)
      redis.call('HDEL', K_DELIVERIES, id)
      forget(id)
      acked = acked + 1
    else
      stale[#stale + 1] = r
    end
  end
  return acked, stale
end
`;

/**
 * ack: delete each live delivery's message entirely.
 * KEYS: the topic keys. ARGV: now, receipt1, receipt2, ...
 * Reply: {acked, {stale receipts}, readied}.
 */
export const ACK_LUA = writeScript(
  LIVE_RECEIPT,
  READY_OPS,
  ACK_RECEIPTS,
  `
local acked, stale = ack_receipts(tonumber(ARGV[1]), 2)
return {acked, stale, readied}
`,
);

/**
 * nack: end the delivery now. Out of deliveries -> dead (its group moves
 * on); with a delay -> delayed zset; else the head of its ready level (like
 * an expired visibility). A grouped message stays its group's head unless dead.
 * KEYS: the topic keys. ARGV: now, receipt, delayMs, maxDeliveries.
 * Reply: {code, readied}; code 0 stale, 1 ready, 2 delayed, 3 dead.
 */
export const NACK_LUA = writeScript(
  LIVE_RECEIPT,
  READY_OPS,
  `
local now, r, delay, max_deliveries = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local id = live_receipt(r, now)
if not id then return {0, 0} end
release_receipt(r)
if deliveries_of(id) >= max_deliveries then
  bury(id)
  return {3, readied}
end
if delay > 0 then
  redis.call('ZADD', K_DELAYED, now + delay, id)
  return {2, 0}
end
push_level(meta_of(id), id, true)
return {1, 0}
`,
);

/**
 * extend: the delivery stays invisible until now + visibilityMs (set, not
 * added, like SQS ChangeMessageVisibility). Same receipt.
 * KEYS: the topic keys. ARGV: now, receipt, visibilityMs. Reply: deadline or -1 when stale.
 */
export const EXTEND_LUA = writeScript(
  LIVE_RECEIPT,
  `
local now, r, vis = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
if not live_receipt(r, now) then return -1 end
redis.call('ZADD', K_INFLIGHT, 'XX', now + vis, r)
return now + vis
`,
);

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
// The take itself is TAKE_BATCH (lua-common.ts), shared with publish-take.

import { LIVE_RECEIPT, PROMOTE_DUE, READY_OPS, REQUEUE_EXPIRED, TAKE_BATCH, writeScript } from './lua-common.js';
import { ACK_RECEIPTS } from './lua-receipts.js';

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

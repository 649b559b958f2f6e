// Scripts the topic owner runs on a timer or an operator runs by hand.
// Each moves at most ARGV limit entries so it never blocks Redis for long.

import { LIVE_RECEIPT, PROMOTE_DUE, REQUEUE_EXPIRED, writeScript } from './lua-common.js';

/** KEYS: 7 topic keys. ARGV: now, limit. Reply: ids promoted. */
export const PROMOTE_LUA = writeScript(PROMOTE_DUE, `return promote_due(tonumber(ARGV[1]), tonumber(ARGV[2]))`);

/** KEYS: 7 topic keys. ARGV: now, limit, maxDeliveries. Reply: deliveries taken back. */
export const REQUEUE_LUA = writeScript(
  LIVE_RECEIPT,
  REQUEUE_EXPIRED,
  `return requeue_expired(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))`,
);

/**
 * redrive: oldest dead letters to the tail of ready, deliveries reset to 0.
 * KEYS: 7 topic keys. ARGV: limit. Reply: ids moved.
 */
export const REDRIVE_LUA = writeScript(`
local ids = redis.call('LPOP', K_DEAD, tonumber(ARGV[1]))
if not ids then return 0 end
redis.call('HDEL', K_DELIVERIES, unpack(ids))
redis.call('RPUSH', K_READY, unpack(ids))
return #ids
`);

import { isUtf8 } from 'node:buffer';
import { CACHE_LIMITS } from '../cache-limits.js';
import { parseInt64 } from '../values/counters.js';
import { parseFenceToken } from '../values/fences.js';
import { notInteger, RespError } from './resp-errors.js';

// Arguments as the commands read them, with Redis's error replies.

/** A key: 1..512 bytes of UTF-8, as over HTTP (the two protocols share the keys). */
export function keyArg(b: Buffer): string {
  if (b.length === 0 || b.length > CACHE_LIMITS.maxKeyBytes || !isUtf8(b)) {
    throw new RespError(
      'ERR',
      `invalid key: keys are 1..${CACHE_LIMITS.maxKeyBytes} bytes of UTF-8 (the HTTP API shares them)`,
    );
  }
  return b.toString('utf8');
}

export function int64Arg(b: Buffer): bigint {
  const n = parseInt64(b.toString('latin1'));
  if (n === undefined) throw notInteger();
  return n;
}

/** An option word, upper-cased for comparison (ASCII only: Redis's options are). */
export const word = (b: Buffer): string => b.toString('latin1').toUpperCase();

/** A fencing token (SET … FENCE, FDEL): a positive integer JavaScript holds exactly. */
export function fenceArg(b: Buffer): number {
  const token = parseFenceToken(b.toString('latin1'));
  if (token === undefined)
    throw new RespError('ERR', `invalid fencing token: an integer from 1 to ${CACHE_LIMITS.maxFenceToken} is expected`);
  return token;
}

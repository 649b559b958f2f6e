import { z } from 'zod';
import { ApiError, JSON_MAX_DEPTH, jsonDeeperThan } from '@dss/http';
import { CACHE_LIMITS } from './cache-limits.js';

/** `PUT /cache/{key}` body: any JSON value (null included) nested at most JSON_MAX_DEPTH levels, as `{value}`, and an optional time to live. */
export const putBody = z.strictObject({
  value: z
    .unknown()
    .refine((v) => v !== undefined, 'value is required (any JSON value)')
    .refine((v) => !jsonDeeperThan(v), `value: nested more than ${JSON_MAX_DEPTH} levels deep`),
  ttlMs: z.int().min(1).max(CACHE_LIMITS.maxTtlMs).optional(),
});

/** `POST /cache/{key}/incr` body: what to add (default 1), an integer JavaScript holds exactly. */
export const incrBody = z.strictObject({
  by: z.int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** A key as the router decoded it from the path: 1..512 bytes of UTF-8. */
export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ApiError('INVALID_ARGUMENT', 'key: must not be empty');
  const bytes = Buffer.byteLength(key);
  if (bytes > CACHE_LIMITS.maxKeyBytes)
    throw new ApiError(
      'INVALID_ARGUMENT',
      `key: must be at most ${CACHE_LIMITS.maxKeyBytes} bytes (UTF-8), got ${bytes}`,
    );
  if (key.includes('\uFFFD')) throw new ApiError('INVALID_ARGUMENT', 'key: must be valid percent-encoded UTF-8');
  return key;
}

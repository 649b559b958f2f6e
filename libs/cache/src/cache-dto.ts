import { z } from 'zod';
import { ApiError, JSON_MAX_DEPTH, jsonDeeperThan } from '@dss/http';
import { CACHE_LIMITS } from './cache-limits.js';

/** A fencing token as the lock service issues it (values/fences.ts): a positive integer JavaScript holds exactly. */
export const fence = z
  .strictObject({
    token: z
      .int()
      .min(1)
      .max(CACHE_LIMITS.maxFenceToken)
      .meta({ description: "the fencing token of the lock the writer holds (the lock API's `fencingToken`)" }),
  })
  .meta({
    description: 'refuse the write (409 FENCED) when the key remembers a higher token; remember this one otherwise',
  });

/** `PUT /cache/{key}` body: any JSON value (null included) nested at most JSON_MAX_DEPTH levels, as `{value}`, an optional time to live and fencing token. */
export const putBody = z.strictObject({
  value: z
    .unknown()
    .refine((v) => v !== undefined, 'value is required (any JSON value)')
    .refine((v) => !jsonDeeperThan(v), `value: nested more than ${JSON_MAX_DEPTH} levels deep`),
  ttlMs: z.int().min(1).max(CACHE_LIMITS.maxTtlMs).optional(),
  fence: fence.optional(),
});

/** `DELETE /cache/{key}` body, optional: a fencing token, as PUT takes it. */
export const deleteBody = z.strictObject({ fence: fence.optional() });

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

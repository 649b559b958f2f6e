import { z } from 'zod';
import { ApiError, JSON_MAX_DEPTH, jsonDeeperThan } from '@dss/http';
import { CACHE_LIMITS } from './cache-limits.js';

/** `PUT /cache/{key}` body: any JSON value (null included) nested at most JSON_MAX_DEPTH levels, as `{value}`. */
export const putBody = z.strictObject({
  value: z
    .unknown()
    .refine((v) => v !== undefined, 'value is required (any JSON value)')
    .refine((v) => !jsonDeeperThan(v), `value: nested more than ${JSON_MAX_DEPTH} levels deep`),
});

/** A key as the router decoded it from the path: 1..512 bytes of UTF-8. */
export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ApiError('INVALID_ARGUMENT', 'key: must not be empty');
  const bytes = Buffer.byteLength(key);
  if (bytes > CACHE_LIMITS.maxKeyBytes) throw new ApiError('INVALID_ARGUMENT', `key: must be at most ${CACHE_LIMITS.maxKeyBytes} bytes (UTF-8), got ${bytes}`);
  if (key.includes('\uFFFD')) throw new ApiError('INVALID_ARGUMENT', 'key: must be valid percent-encoded UTF-8');
  return key;
}

/** The value as stored: its JSON text, within the size limit. */
export function encodeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // Only a stack overflow can get here (a parsed body has no cycles or BigInts),
    // and putBody's depth limit keeps values far from it; a 400, not a 500, if not.
    throw new ApiError('INVALID_ARGUMENT', 'value: nested too deeply to store as JSON');
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > CACHE_LIMITS.maxValueBytes) throw new ApiError('PAYLOAD_TOO_LARGE', `value: ${bytes} bytes of JSON, more than the limit of ${CACHE_LIMITS.maxValueBytes}`);
  return text;
}

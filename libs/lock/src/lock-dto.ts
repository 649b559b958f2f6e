import { z } from 'zod';
import { LOCK_LIMITS } from './lock-limits.js';

// Request bodies of the lock API, validated strictly: a wrong type, a missing
// field, an unknown field or an out-of-range value is a 400 naming the field,
// and nothing is proposed (parseBody from @dss/http).

const name = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`);
const resource = name('resource', LOCK_LIMITS.resourceMaxLength);
const owner = name('owner', LOCK_LIMITS.ownerMaxLength);
const requestId = name('requestId', LOCK_LIMITS.requestIdMaxLength).optional();
const ttlMs = z
  .number({ error: 'ttlMs must be a number of milliseconds' })
  .int('ttlMs must be a whole number')
  .min(LOCK_LIMITS.ttlMinMs, `ttlMs must be at least ${LOCK_LIMITS.ttlMinMs}`)
  .max(LOCK_LIMITS.ttlMaxMs, `ttlMs must be at most ${LOCK_LIMITS.ttlMaxMs}`);

export const acquireBody = z.strictObject({
  resource,
  owner,
  mode: z.enum(['exclusive', 'shared'], { error: 'mode must be "exclusive" or "shared"' }).default('exclusive'),
  ttlMs: ttlMs.default(LOCK_LIMITS.ttlDefaultMs),
  waitMs: z
    .number({ error: 'waitMs must be a number of milliseconds' })
    .int('waitMs must be a whole number')
    .min(0, 'waitMs must not be negative')
    .max(LOCK_LIMITS.waitMaxMs, `waitMs must be at most ${LOCK_LIMITS.waitMaxMs}`)
    .default(0),
  requestId,
});

export const releaseBody = z.strictObject({ resource, owner, requestId });
export const renewBody = z.strictObject({ resource, owner, ttlMs: ttlMs.optional(), requestId });
export const readParams = z.strictObject({ resource });

export type AcquireBody = z.infer<typeof acquireBody>;
export type ReleaseBody = z.infer<typeof releaseBody>;
export type RenewBody = z.infer<typeof renewBody>;

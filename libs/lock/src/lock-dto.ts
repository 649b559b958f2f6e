import { z } from 'zod';
import { queryCount } from '@dss/http/contract/index.js';
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

const mode = z.enum(['exclusive', 'shared'], { error: 'mode must be "exclusive" or "shared"' }).default('exclusive');
const waitMs = z
  .number({ error: 'waitMs must be a number of milliseconds' })
  .int('waitMs must be a whole number')
  .min(0, 'waitMs must not be negative')
  .max(LOCK_LIMITS.waitMaxMs, `waitMs must be at most ${LOCK_LIMITS.waitMaxMs}`)
  .default(0);
const permits = z
  .number({ error: 'permits must be a number' })
  .int('permits must be a whole number')
  .min(1, 'permits must be at least 1')
  .max(LOCK_LIMITS.permitsMax, `permits must be at most ${LOCK_LIMITS.permitsMax}`)
  .optional()
  .meta({ description: 'a semaphore of this many holders (exclusive mode, one permit each); absent or 1: a lock' });

/** A semaphore has no shared mode. */
const noSharedSemaphore = (m: { mode: string; permits?: number }) => (m.permits ?? 1) === 1 || m.mode === 'exclusive';
const noSharedSemaphoreError = { message: 'a semaphore (permits > 1) has no shared mode', path: ['mode'] };

const distinct = (names: readonly string[]) => new Set(names).size === names.length;
const MANY = `at most ${LOCK_LIMITS.setMaxSize} resources`;

export const acquireBody = z
  .strictObject({
    resource,
    owner,
    mode,
    ttlMs: ttlMs.default(LOCK_LIMITS.ttlDefaultMs),
    waitMs,
    permits,
    requestId,
  })
  .refine(noSharedSemaphore, noSharedSemaphoreError);

export const releaseBody = z.strictObject({ resource, owner, requestId });
export const renewBody = z.strictObject({ resource, owner, ttlMs: ttlMs.optional(), requestId });
export const readParams = z.strictObject({ resource });

const { listLimitDefault, listLimitMax, resourceMaxLength } = LOCK_LIMITS;
export const listQuery = z.strictObject({
  prefix: z
    .string({ error: 'prefix must be a string' })
    .max(resourceMaxLength, `prefix must be at most ${resourceMaxLength} characters`)
    .default('')
    .meta({ description: 'only resources whose names start with it (empty: all)' }),
  limit: queryCount('limit', listLimitDefault, listLimitMax).meta({
    description: 'at most this many resources (the first by name)',
  }),
});

export const acquireSetBody = z.strictObject({
  owner,
  locks: z
    .array(z.strictObject({ resource, mode, permits }).refine(noSharedSemaphore, noSharedSemaphoreError), {
      error: 'locks must be an array of { resource, mode, permits }',
    })
    .min(1, 'locks must name at least one resource')
    .max(LOCK_LIMITS.setMaxSize, `locks must name ${MANY}`)
    .refine((locks) => distinct(locks.map((l) => l.resource)), 'locks must not name a resource twice'),
  ttlMs: ttlMs.default(LOCK_LIMITS.ttlDefaultMs),
  waitMs,
  requestId,
});

const resources = z
  .array(resource, { error: 'resources must be an array of resource names' })
  .min(1, 'resources must name at least one resource')
  .max(LOCK_LIMITS.setMaxSize, `resources must name ${MANY}`)
  .refine(distinct, 'resources must not name a resource twice');
export const releaseSetBody = z.strictObject({ owner, resources, requestId });
export const renewSetBody = z.strictObject({ owner, resources, ttlMs: ttlMs.optional(), requestId });

export type AcquireBody = z.infer<typeof acquireBody>;
export type ReleaseBody = z.infer<typeof releaseBody>;
export type RenewBody = z.infer<typeof renewBody>;
export type AcquireSetBody = z.infer<typeof acquireSetBody>;
export type ListQuery = z.infer<typeof listQuery>;

import { z } from 'zod';
import type { ApiRoute } from '@dss/http';
import { deleteBody, incrBody, putBody } from './cache-dto.js';
import { CACHE_FENCE_TOMBSTONE_MS, CACHE_LIMITS } from './cache-limits.js';

// The cache API's contract (docs/cache.md, docs/api.md): the request schemas
// cache.controller.ts validates with, and the answers it builds.

/** The key as a path parameter; checkKey (cache-dto.ts) enforces the byte limit, which JSON Schema cannot state. */
export const keyParams = z.strictObject({
  key: z
    .string()
    .min(1)
    .meta({ description: `1..${CACHE_LIMITS.maxKeyBytes} bytes of UTF-8, percent-encoded in the path` }),
});

const state = z
  .enum(['M', 'E', 'S', 'I'])
  .meta({ description: "this node's MESI state of the key after the operation" });
/** FENCED's envelope carries the token the key remembers. */
const fencedDetails = {
  FENCED: { fence: z.int().min(1).meta({ description: 'the token the key remembers (the highest that wrote it)' }) },
};
const fenceNotes = [
  'With `fence`, the write is refused (409 FENCED, nothing changed) when the key remembers a higher fencing token; an equal or higher token is accepted and remembered. Writes without `fence` are accepted and keep the remembered token (docs/cache.md, "Fenced writes").',
];
const keyNotes = [`The key is 1..${CACHE_LIMITS.maxKeyBytes} bytes of UTF-8 once decoded (INVALID_ARGUMENT beyond).`];

export const CACHE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'post',
    path: '/cache/flush',
    operationId: 'cacheFlush',
    tag: 'cache',
    summary: "Write this node's dirty lines back to memory (Redis) now",
    answers: { 200: z.strictObject({ flushed: z.int().min(0).meta({ description: 'lines written back' }) }) },
    errors: [],
  },
  {
    method: 'put',
    path: '/cache/{key}',
    operationId: 'cachePut',
    tag: 'cache',
    summary: 'Write a value (any JSON value) with an optional time to live',
    params: keyParams,
    body: putBody,
    answers: { 200: z.strictObject({ key: z.string(), state: z.literal('M') }) },
    errors: ['FENCED', 'UNAVAILABLE', 'TIMEOUT'],
    errorDetails: fencedDetails,
    notes: [
      ...keyNotes,
      `A value is at most ${CACHE_LIMITS.maxValueBytes} bytes as JSON text (PAYLOAD_TOO_LARGE beyond).`,
      ...fenceNotes,
      "A fenced key's token lives as long as its value: a value with a time to live takes it when it expires.",
    ],
  },
  {
    method: 'post',
    path: '/cache/{key}/incr',
    operationId: 'cacheIncr',
    tag: 'cache',
    summary: 'Add to an integer value (1 by default; an absent key counts as 0)',
    params: keyParams,
    body: incrBody,
    bodyOptional: true,
    answers: {
      200: z.strictObject({
        key: z.string(),
        value: z
          .union([z.int(), z.string().regex(/^-?\d+$/)])
          .meta({ description: 'the new value; beyond 2^53 a decimal string, so no digit is lost' }),
      }),
    },
    errors: ['UNAVAILABLE', 'TIMEOUT'],
    notes: [
      ...keyNotes,
      'INVALID_ARGUMENT when the value is not an integer or the sum leaves the 64-bit signed range.',
    ],
  },
  {
    method: 'get',
    path: '/cache/{key}/coherence',
    operationId: 'cacheCoherence',
    tag: 'cache',
    summary: "Every node's MESI state of a key, and its home's directory entry (for demos and debugging)",
    params: keyParams,
    answers: {
      200: z.strictObject({
        key: z.string(),
        home: z.string(),
        states: z
          .record(z.string(), z.string())
          .meta({ description: 'node → line state (M, E, S, I, or a transient state)' }),
        directory: z
          .strictObject({
            owner: z.string().optional(),
            sharers: z.array(z.string()),
            version: z.int(),
            state: z.string(),
          })
          .optional(),
        unreachable: z.array(z.string()).optional(),
      }),
    },
    errors: [],
    notes: keyNotes,
  },
  {
    method: 'get',
    path: '/cache/{key}',
    operationId: 'cacheGet',
    tag: 'cache',
    summary: 'Read a value',
    params: keyParams,
    answers: {
      200: z.strictObject({
        key: z.string(),
        value: z.unknown(),
        encoding: z
          .literal('base64')
          .optional()
          .meta({ description: 'present when the value is bytes that are not UTF-8 (written over RESP)' }),
        state,
        source: z.enum(['local', 'peer', 'memory']).meta({ description: 'where the data came from' }),
        ttlMs: z.int().min(0).optional().meta({ description: 'time left to live, when the value has one' }),
        fence: z
          .strictObject({ token: z.int().min(1) })
          .optional()
          .meta({ description: 'the highest fencing token that wrote the key, when a fenced write did' }),
      }),
    },
    errors: ['NOT_FOUND', 'UNAVAILABLE', 'TIMEOUT'],
    notes: keyNotes,
  },
  {
    method: 'delete',
    path: '/cache/{key}',
    operationId: 'cacheDelete',
    tag: 'cache',
    summary: 'Delete a value',
    params: keyParams,
    body: deleteBody,
    bodyOptional: true,
    answers: { 200: z.strictObject({ key: z.string(), deleted: z.literal(true) }) },
    errors: ['NOT_FOUND', 'FENCED', 'UNAVAILABLE', 'TIMEOUT'],
    errorDetails: fencedDetails,
    notes: [
      ...keyNotes,
      ...fenceNotes,
      `A key that remembers a fencing token (or a fenced delete's) keeps it in a tombstone for ${CACHE_FENCE_TOMBSTONE_MS / 3600_000} h: an older token's write is refused meanwhile. A fenced delete of a key with no value answers NOT_FOUND and still leaves the tombstone.`,
    ],
  },
];

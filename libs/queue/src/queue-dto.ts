import { z } from 'zod';
import { JSON_MAX_DEPTH, jsonDeeperThan, queryCount } from '@dss/http';
import { QUEUE_LIMITS } from './queue-limits.js';
import { GROUP_PATTERN } from './storage/queue-input.js';

// Request bodies of the queue API, validated strictly (400 naming the field,
// nothing written on bad input). `parseBody` is shared with the lock API.

export const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export const topic = z
  .string({ error: 'topic must be a string' })
  .regex(TOPIC_PATTERN, 'topic must match [A-Za-z0-9._-]{1,128}');
const receipt = z
  .string({ error: 'receipt must be a string' })
  .min(1, 'receipt must not be empty')
  .max(QUEUE_LIMITS.receiptMaxLength, 'receipt is too long');
const ms = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);

// Messages nested a few thousand levels deep were accepted by some nodes and
// then failed every consume through others with a 500, after moving the message
// in flight. See JSON_MAX_DEPTH.
const body = z
  .unknown()
  .refine((m) => !jsonDeeperThan(m), `a message must not nest more than ${JSON_MAX_DEPTH} levels deep`);

export const publishBody = z
  .strictObject({
    topic,
    message: body.optional(),
    messages: z
      .array(body, { error: 'messages must be an array' })
      .min(1, 'messages must not be empty')
      .max(QUEUE_LIMITS.maxBatch, `messages: at most ${QUEUE_LIMITS.maxBatch} per publish`)
      .optional(),
    delayMs: ms('delayMs', 0, QUEUE_LIMITS.maxDelayMs).optional(),
    dedupId: z
      .string({ error: 'dedupId must be a string' })
      .min(1)
      .max(QUEUE_LIMITS.dedupIdMaxLength, 'dedupId is too long')
      .optional(),
    group: z
      .string({ error: 'group must be a string' })
      .min(1, 'group must not be empty')
      .max(QUEUE_LIMITS.groupMaxLength, `group must be at most ${QUEUE_LIMITS.groupMaxLength} characters`)
      .regex(GROUP_PATTERN, 'group must match [A-Za-z0-9._:-]')
      .optional()
      .meta({ description: 'message group: delivered in publish order, one message of the group out at a time' }),
    priority: z
      .number({ error: 'priority must be a number' })
      .int('priority must be a whole number')
      .min(0, 'priority must be at least 0')
      .max(QUEUE_LIMITS.maxPriority, `priority must be at most ${QUEUE_LIMITS.maxPriority}`)
      .optional()
      .meta({ description: `higher is delivered first; default ${QUEUE_LIMITS.defaultPriority}` }),
    fence: z
      .strictObject(
        {
          token: z
            .number({ error: 'fence.token must be a number' })
            .int('fence.token must be a whole number')
            .min(1, 'fence.token must be at least 1')
            .max(Number.MAX_SAFE_INTEGER, 'fence.token must be a safe integer'),
        },
        { error: 'fence must be an object {token}' },
      )
      .optional()
      .meta({ description: "a fencing token from the lock service; refused (FENCED) when older than the topic's" }),
  })
  .refine((b) => (b.message === undefined) !== (b.messages === undefined), {
    message: 'give exactly one of message or messages',
  })
  .refine((b) => b.group === undefined || !b.delayMs, {
    message: 'delayMs cannot be combined with group (a group delivers in publish order)',
    path: ['delayMs'],
  });

export const consumeBody = z.strictObject({
  topic,
  max: z
    .number({ error: 'max must be a number' })
    .int('max must be a whole number')
    .min(1, 'max must be at least 1')
    .max(QUEUE_LIMITS.maxBatch, `max must be at most ${QUEUE_LIMITS.maxBatch}`)
    .default(1),
  visibilityMs: ms('visibilityMs', QUEUE_LIMITS.minVisibilityMs, QUEUE_LIMITS.maxVisibilityMs).optional(),
  waitMs: ms('waitMs', 0, QUEUE_LIMITS.maxWaitMs).default(0),
  /** Receipts to ack before taking new messages, in the same atomic step (ack-and-fetch). */
  ack: z
    .array(receipt, { error: 'ack must be an array of receipts' })
    .max(QUEUE_LIMITS.maxBatch, `ack: at most ${QUEUE_LIMITS.maxBatch} receipts`)
    .optional(),
});

export const ackBody = z
  .strictObject({
    topic,
    receipt: receipt.optional(),
    receipts: z.array(receipt).min(1, 'receipts must not be empty').max(QUEUE_LIMITS.maxBatch).optional(),
  })
  .refine((b) => (b.receipt === undefined) !== (b.receipts === undefined), {
    message: 'give exactly one of receipt or receipts',
  });

export const nackBody = z.strictObject({
  topic,
  receipt,
  delayMs: ms('delayMs', 0, QUEUE_LIMITS.maxDelayMs).default(0),
});
export const extendBody = z.strictObject({
  topic,
  receipt,
  visibilityMs: ms('visibilityMs', QUEUE_LIMITS.minVisibilityMs, QUEUE_LIMITS.maxVisibilityMs),
});
export const topicParams = z.strictObject({ topic });

export const topicListQuery = z.strictObject({
  prefix: z
    .string({ error: 'prefix must be a string' })
    .regex(/^[A-Za-z0-9._-]{0,128}$/, 'prefix must match [A-Za-z0-9._-]{0,128}')
    .default('')
    .meta({ description: 'only topics whose name starts with this' }),
  limit: queryCount('limit', QUEUE_LIMITS.topicListDefault, QUEUE_LIMITS.topicListMax).meta({
    description: 'most topics to answer (first by name)',
  }),
});

export const BROWSE_STATES = ['ready', 'delayed', 'inflight'] as const;

export const browseQuery = z.strictObject({
  state: z
    .enum(BROWSE_STATES, { error: `state must be one of ${BROWSE_STATES.join(', ')}` })
    .default('ready')
    .meta({ description: 'which messages to show' }),
  limit: queryCount('limit', QUEUE_LIMITS.browseDefault, QUEUE_LIMITS.browseMax).meta({
    description: 'most messages to answer',
  }),
});

const messageId = z
  .string({ error: 'ids must be message ids (strings)' })
  .min(1, 'a message id must not be empty')
  .max(QUEUE_LIMITS.messageIdMaxLength, 'a message id is too long');

/** Optional: without ids (no body, or {}) every dead letter is redriven. */
export const redriveBody = z.strictObject({
  ids: z
    .array(messageId, { error: 'ids must be an array of message ids' })
    .min(1, 'ids must not be empty (send no body to redrive all)')
    .max(QUEUE_LIMITS.redriveIdsMax, `ids: at most ${QUEUE_LIMITS.redriveIdsMax} per redrive`)
    .optional()
    .meta({ description: 'redrive only these dead letters; without ids, all of them' }),
});

export type PublishBody = z.infer<typeof publishBody>;
export type ConsumeBody = z.infer<typeof consumeBody>;
export type AckBody = z.infer<typeof ackBody>;
export type NackBody = z.infer<typeof nackBody>;
export type ExtendBody = z.infer<typeof extendBody>;
export type TopicListQuery = z.infer<typeof topicListQuery>;
export type BrowseQuery = z.infer<typeof browseQuery>;
export type RedriveBody = z.infer<typeof redriveBody>;

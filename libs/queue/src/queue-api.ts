import { z } from 'zod';
import type { ApiRoute } from '@dss/http';
import {
  ackBody,
  browseQuery,
  consumeBody,
  extendBody,
  nackBody,
  publishBody,
  redriveBody,
  topicListQuery,
  topicParams,
} from './queue-dto.js';
import { QUEUE_LIMITS } from './queue-limits.js';

// The queue API's contract (docs/queue.md, docs/api.md): the request schemas
// queue.service.ts validates with, and the answers it builds.

const id = z.string().meta({ description: 'message id' });
const receipt = z.string().meta({ description: 'proof of this delivery; ack, nack or extend with it' });
const publishedAt = z.int().meta({ description: 'when it was published, ms since the epoch' });
const staleReceipt = { receipt: z.string() };
const fenced = {
  token: z.int().meta({ description: 'the token this publish carried' }),
  fence: z.int().meta({ description: 'the highest token that published to the topic' }),
};
const group = z.string().optional().meta({ description: 'the message group, when published with one' });
const priority = z
  .int()
  .optional()
  .meta({ description: `the priority, when published with one other than ${QUEUE_LIMITS.defaultPriority}` });

const topicStats = z.strictObject({
  topic: z.string(),
  owner: z.string().meta({ description: "the queue node that runs the topic's redelivery monitor" }),
  ready: z.int().min(0),
  inflight: z.int().min(0),
  delayed: z.int().min(0),
  dead: z.int().min(0),
  waiting: z.int().min(0).meta({ description: "grouped messages waiting behind their group's head" }),
  groups: z.int().min(0).meta({ description: 'message groups with a message ready, delayed or in flight' }),
  fence: z
    .int()
    .optional()
    .meta({ description: 'the highest fencing token that published to the topic; absent when none did' }),
});
/** A stored message as listings show it: dead letters, browsing. */
const listedMessage = {
  id,
  body: z.unknown(),
  publishedAt,
  deliveries: z.int().min(0).meta({ description: 'deliveries so far' }),
  dedupId: z.string().optional(),
  group,
  priority,
};

export const QUEUE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'post',
    path: '/queue/publish',
    operationId: 'queuePublish',
    tag: 'queue',
    summary: 'Publish one message (message) or a batch (messages) to a topic',
    description:
      'Answered once Redis has the message(s) and, with replicas to acknowledge, once that many replicas confirmed them.',
    body: publishBody,
    answers: {
      201: z.strictObject({
        ids: z.array(id),
        duplicate: z
          .literal(true)
          .optional()
          .meta({ description: 'a live dedupId matched: the ids are the original ones' }),
      }),
    },
    errors: ['FENCED', 'UNAVAILABLE'],
    errorDetails: { FENCED: fenced },
    notes: [
      'Give exactly one of message or messages.',
      `group: messages of one group are delivered in publish order, at most one of the group in flight at a time; groups with a message ready take turns (docs/queue.md). At most ${QUEUE_LIMITS.groupMaxLength} characters of [A-Za-z0-9._:-]; not with delayMs.`,
      `priority: 0-${QUEUE_LIMITS.maxPriority}, default ${QUEUE_LIMITS.defaultPriority}; higher first, FIFO within one; while several priorities are ready every ${QUEUE_LIMITS.priorityFairEvery}th delivery goes to the oldest ready message instead (no starvation).`,
      "fence.token: refused with 409 FENCED (nothing stored) when lower than the highest token that published to the topic; equal or higher is accepted and a higher one is remembered. One fence covers a whole batch. A dedupId repeat answers the first publish's ids whatever its token.",
      `Each message is at most ${QUEUE_LIMITS.maxBodyBytes} bytes as JSON (PAYLOAD_TOO_LARGE beyond).`,
      'dedupId: a publish with a dedupId seen within the dedup window answers the first ids with duplicate: true and stores nothing.',
      'UNAVAILABLE after a write whose replication is not confirmed: publish again with the same dedupId.',
    ],
  },
  {
    method: 'post',
    path: '/queue/consume',
    operationId: 'queueConsume',
    tag: 'queue',
    summary: 'Take up to max messages, long-polling up to waitMs; optionally ack receipts first in the same step',
    body: consumeBody,
    answers: {
      200: z.strictObject({
        messages: z.array(
          z.strictObject({ id, receipt, body: z.unknown(), deliveries: z.int().min(1), publishedAt, group, priority }),
        ),
        acked: z.int().min(0).optional().meta({ description: 'with ack: how many of its receipts were acked' }),
        stale: z.array(z.string()).optional().meta({ description: 'with ack: its receipts that were no longer valid' }),
      }),
    },
    errors: ['UNAVAILABLE'],
    notes: [
      `visibilityMs defaults to ${QUEUE_LIMITS.defaultVisibilityMs} ms: a message not acked by then is delivered again.`,
    ],
  },
  {
    method: 'post',
    path: '/queue/ack',
    operationId: 'queueAck',
    tag: 'queue',
    summary: 'Acknowledge one receipt (receipt) or a batch (receipts): the messages are done',
    body: ackBody,
    answers: { 200: z.strictObject({ acked: z.int().min(0), stale: z.array(z.string()) }) },
    errors: ['STALE_RECEIPT', 'UNAVAILABLE'],
    errorDetails: { STALE_RECEIPT: staleReceipt },
    notes: ['STALE_RECEIPT only for a single receipt; a batch lists its stale receipts in the 200 answer.'],
  },
  {
    method: 'post',
    path: '/queue/nack',
    operationId: 'queueNack',
    tag: 'queue',
    summary: 'Give a message back: ready again (after delayMs), or dead once it reached the delivery limit',
    body: nackBody,
    answers: { 200: z.strictObject({ nacked: z.literal(true), outcome: z.enum(['ready', 'delayed', 'dead']) }) },
    errors: ['STALE_RECEIPT', 'UNAVAILABLE'],
    errorDetails: { STALE_RECEIPT: staleReceipt },
  },
  {
    method: 'post',
    path: '/queue/extend',
    operationId: 'queueExtend',
    tag: 'queue',
    summary: "Extend a delivery's visibility timeout",
    body: extendBody,
    answers: {
      200: z.strictObject({
        extended: z.literal(true),
        visibleAt: z.int().meta({ description: 'when it becomes visible again if not acked, ms since the epoch' }),
      }),
    },
    errors: ['STALE_RECEIPT', 'UNAVAILABLE'],
    errorDetails: { STALE_RECEIPT: staleReceipt },
  },
  {
    method: 'get',
    path: '/queue',
    operationId: 'queueTopics',
    tag: 'queue',
    summary: 'The topics the cluster knows, by name, each with its counts and owner',
    query: topicListQuery,
    answers: {
      200: z.strictObject({
        topics: z.array(topicStats),
        truncated: z.boolean().meta({ description: 'more topics match than limit allowed' }),
      }),
    },
    errors: ['UNAVAILABLE'],
    notes: [
      'A topic is known from its first publish. One with nothing in any state and no publish for a while is dropped from the list when a listing meets it, and comes back with its next publish (docs/queue.md).',
      'Counts are read topic by topic: the answer is not one snapshot of the whole queue.',
    ],
  },
  {
    method: 'get',
    path: '/queue/{topic}',
    operationId: 'queueStats',
    tag: 'queue',
    summary: "A topic's counts and owner",
    params: topicParams,
    answers: { 200: topicStats },
    errors: ['UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/queue/{topic}/dead',
    operationId: 'queueDead',
    tag: 'queue',
    summary: `The oldest dead letters of a topic (at most ${QUEUE_LIMITS.deadListMax})`,
    params: topicParams,
    answers: {
      200: z.strictObject({
        topic: z.string(),
        messages: z.array(z.strictObject({ ...listedMessage, deliveries: z.int().min(1) })),
      }),
    },
    errors: ['UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/queue/{topic}/messages',
    operationId: 'queueBrowse',
    tag: 'queue',
    summary: 'Look at the messages of one state without consuming them',
    description: 'Changes nothing: no delivery is counted, no visibility timeout starts.',
    params: topicParams,
    query: browseQuery,
    answers: {
      200: z.strictObject({
        topic: z.string(),
        state: z.enum(['ready', 'delayed', 'inflight']),
        messages: z.array(
          z.strictObject({
            ...listedMessage,
            deliverAt: z.int().optional().meta({ description: 'delayed: when it becomes ready, ms since the epoch' }),
            visibleAt: z
              .int()
              .optional()
              .meta({ description: 'in flight: when it is delivered again unless acked, ms since the epoch' }),
          }),
        ),
      }),
    },
    errors: ['UNAVAILABLE'],
    notes: [
      "ready: in delivery order, highest priority first (the every-so-often fairness turn aside); grouped messages waiting behind their group's head are not ready and not listed. delayed: by due time. inflight: by visibility deadline; receipts are not shown.",
    ],
  },
  {
    method: 'post',
    path: '/queue/{topic}/dead/redrive',
    operationId: 'queueRedrive',
    tag: 'queue',
    summary: "Move a topic's dead letters (all, or the ones named) back to ready, deliveries reset",
    description:
      'Without a body (or with {}), every dead letter; with ids, only those, in one atomic step. A grouped message goes back through its group.',
    params: topicParams,
    body: redriveBody,
    bodyOptional: true,
    answers: {
      200: z.strictObject({
        topic: z.string(),
        redriven: z.int().min(0),
        notFound: z
          .array(id)
          .optional()
          .meta({ description: 'with ids: those that are not dead letters of the topic (nothing done for them)' }),
      }),
    },
    errors: ['UNAVAILABLE'],
  },
  {
    method: 'delete',
    path: '/queue/{topic}/dead',
    operationId: 'queuePurgeDead',
    tag: 'queue',
    summary: "Delete a topic's dead letters, bodies included",
    description:
      'Each message is deleted whole (no half-deleted message is ever seen); a long dead list goes in steps, so a letter dying during the purge may stay.',
    params: topicParams,
    answers: { 200: z.strictObject({ topic: z.string(), purged: z.int().min(0) }) },
    errors: ['UNAVAILABLE'],
  },
];

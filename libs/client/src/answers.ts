import { z } from 'zod';
import type { CallAnswer } from './http-caller.js';
import { InvalidResponseError } from './errors.js';

// Shapes of the successful answers the client interprets, checked loosely:
// the fields it relies on must be there with the right types; extra fields
// (a newer server's) pass through untouched.

const mode = z.enum(['exclusive', 'shared']);
const holder = z.looseObject({ owner: z.string(), mode, fencingToken: z.number(), expiresInMs: z.number() });

export const grantAnswer = z.looseObject({
  acquired: z.literal(true),
  resource: z.string(),
  owner: z.string(),
  mode,
  fencingToken: z.number(),
  expiresInMs: z.number(),
});
export const releaseAnswer = z.looseObject({ released: z.literal(true) });
export const setGrantAnswer = z.looseObject({
  acquired: z.literal(true),
  owner: z.string(),
  fencingToken: z.number(),
  locks: z.array(z.looseObject({ resource: z.string(), mode, fencingToken: z.number(), expiresInMs: z.number() })),
});
export const releaseSetAnswer = z.looseObject({ released: z.array(z.string()), notHeld: z.array(z.string()) });
export const renewSetAnswer = z.looseObject({
  renewed: z.literal(true),
  locks: z.array(z.looseObject({ resource: z.string(), fencingToken: z.number(), expiresInMs: z.number() })),
});
export const renewAnswer = z.looseObject({
  renewed: z.literal(true),
  expiresInMs: z.number(),
  fencingToken: z.number().optional(),
});
export const lockStateAnswer = z.looseObject({
  resource: z.string(),
  permits: z.number().optional(),
  holders: z.array(holder),
  waiters: z.array(z.looseObject({ owner: z.string(), mode })),
});
export const lockListAnswer = z.looseObject({ resources: z.array(lockStateAnswer), truncated: z.boolean() });

export const publishAnswer = z.looseObject({ ids: z.array(z.string()), duplicate: z.boolean().optional() });
export const consumeAnswer = z.looseObject({
  messages: z.array(
    z.looseObject({
      id: z.string(),
      receipt: z.string(),
      body: z.unknown(),
      deliveries: z.number(),
      publishedAt: z.number(),
      group: z.string().optional(),
      priority: z.number().optional(),
    }),
  ),
});
export const ackAnswer = z.looseObject({ acked: z.number(), stale: z.array(z.string()) });
export const ackAndConsumeAnswer = consumeAnswer.extend(ackAnswer.shape);
export const topicStatsAnswer = z.looseObject({
  topic: z.string(),
  owner: z.string(),
  ready: z.number(),
  inflight: z.number(),
  delayed: z.number(),
  dead: z.number(),
  waiting: z.number().optional(),
  groups: z.number().optional(),
  fence: z.number().optional(),
});

export const topicListAnswer = z.looseObject({ topics: z.array(topicStatsAnswer), truncated: z.boolean() });

// MESI states; a line in the middle of a transaction can show a transient state (IS_D), so any string.
const state = z.string();
export const cacheEntryAnswer = z.looseObject({ key: z.string(), value: z.unknown(), state });
export const cachePutAnswer = z.looseObject({ key: z.string(), state });
export const coherenceAnswer = z.looseObject({
  key: z.string(),
  home: z.string(),
  states: z.record(z.string(), state),
});
export const flushAnswer = z.looseObject({ flushed: z.number() });
export const daemonStatusAnswer = z.looseObject({
  cluster: z.string(),
  role: z.enum(['lock', 'queue', 'cache']),
  node: z.looseObject({ id: z.string() }),
});

/** The answer's body as `schema` says, or InvalidResponseError naming the endpoint and the first mismatch. */
export function expectAnswer<S extends z.ZodType>(schema: S, answer: CallAnswer): z.infer<S> {
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new InvalidResponseError(
    `unexpected answer from ${answer.url} (HTTP ${answer.status}): ${where}${issue?.message ?? 'invalid'}`,
    {
      status: answer.status,
      body: answer.body,
      endpoint: answer.url,
    },
  );
}

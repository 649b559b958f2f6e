// Defensive input checks. The HTTP layer validates the API contract (topic
// pattern, ranges); the store only refuses what would corrupt its keys or
// overload one script: braces in a topic (they would break the hash tag),
// empty or oversize batches, oversize bodies and non-integer numbers.

import { QueueInputError, QueuePayloadTooLargeError } from './queue-errors.js';
import {
  DEFAULT_PRIORITY,
  GROUP_MAX_LENGTH,
  MAX_BATCH,
  MAX_BATCH_BYTES,
  MAX_BODY_BYTES,
  MAX_PRIORITY,
} from './queue-limits.js';
import type { PublishOptions } from './queue-types.js';

/** Message group names: what is safe inside a Redis key and a log line. */
export const GROUP_PATTERN = /^[A-Za-z0-9._:-]+$/;

export function assertTopic(topic: string): void {
  if (topic.length === 0 || /[{}]/.test(topic))
    throw new QueueInputError(`invalid topic name ${JSON.stringify(topic)}`);
}

export function assertInt(value: number, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new QueueInputError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

export function assertBatch(size: number, what: string): void {
  if (size === 0) throw new QueueInputError(`${what}: empty batch`);
  if (size > MAX_BATCH) throw new QueueInputError(`${what}: batch of ${size} exceeds ${MAX_BATCH}`);
}

/** JSON text of one body, refusing what JSON cannot carry and what is too big. */
export function serializeBody(body: unknown, index: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (err: unknown) {
    throw new QueueInputError(`message ${index} is not serializable as JSON`, { cause: err });
  }
  if (json === undefined) throw new QueueInputError(`message ${index} is not a JSON value`);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_BODY_BYTES)
    throw new QueuePayloadTooLargeError(`message ${index} is ${bytes} bytes, over ${MAX_BODY_BYTES}`);
  return json;
}

export function assertBatchBytes(bytes: number): void {
  if (bytes > MAX_BATCH_BYTES) throw new QueuePayloadTooLargeError(`batch is ${bytes} bytes, over ${MAX_BATCH_BYTES}`);
}

export function assertGroup(group: string): void {
  if (group.length === 0 || group.length > GROUP_MAX_LENGTH || !GROUP_PATTERN.test(group))
    throw new QueueInputError(`group must match [A-Za-z0-9._:-]{1,${GROUP_MAX_LENGTH}}, got ${JSON.stringify(group)}`);
}

/**
 * A publish's group and priority after checks; the default priority comes
 * back as undefined, so such messages are stored exactly like plain ones.
 */
export function publishPlacement(options: PublishOptions): { group?: string; priority?: number } {
  const { group, priority } = options;
  if (group !== undefined) {
    assertGroup(group);
    if ((options.delayMs ?? 0) > 0) throw new QueueInputError('delayMs cannot be combined with group');
  }
  if (priority !== undefined) assertInt(priority, 'priority', 0, MAX_PRIORITY);
  return {
    ...(group === undefined ? {} : { group }),
    ...(priority === undefined || priority === DEFAULT_PRIORITY ? {} : { priority }),
  };
}

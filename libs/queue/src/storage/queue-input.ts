// Defensive input checks. The HTTP layer validates the API contract (topic
// pattern, ranges); the store only refuses what would corrupt its keys or
// overload one script: braces in a topic (they would break the hash tag),
// empty or oversize batches, oversize bodies and non-integer numbers.

import { QueueInputError, QueuePayloadTooLargeError } from './queue-errors.js';
import { MAX_BATCH, MAX_BATCH_BYTES, MAX_BODY_BYTES } from './queue-limits.js';

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

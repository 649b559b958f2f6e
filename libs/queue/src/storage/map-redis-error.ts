// Turns whatever ioredis rejects with into a typed queue error. Anything that
// is not a Redis reply (connection refused/closed, offline queue disabled,
// retries exhausted, command timeout) means Redis cannot be reached; a few
// reply codes also mean "not now" rather than "bug".

import { redisErrorCode } from '@dss/resp';
import { QueueError, QueueStorageError, QueueStorageUnavailableError } from './queue-errors.js';

/** Reply codes after which retrying later (or elsewhere) can succeed. */
const UNAVAILABLE_REPLIES = new Set([
  'LOADING',
  'READONLY',
  'MASTERDOWN',
  'BUSY',
  'OOM',
  'NOREPLICAS',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MISCONF',
]);

export function mapRedisError(err: unknown, operation: string): QueueError {
  if (err instanceof QueueError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const isReply = err instanceof Error && err.name === 'ReplyError';
  const code = redisErrorCode(err);
  if (!isReply || (code !== undefined && UNAVAILABLE_REPLIES.has(code))) {
    return new QueueStorageUnavailableError(`queue storage unavailable during ${operation}: ${message}`, {
      cause: err,
    });
  }
  return new QueueStorageError(`queue storage failed during ${operation}: ${message}`, { cause: err });
}

/** Runs one Redis call and rethrows its failure as a typed queue error. */
export async function callRedis<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err: unknown) {
    throw mapRedisError(err, operation);
  }
}

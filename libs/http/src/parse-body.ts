import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parses a JSON body with `schema`, or throws 400 INVALID_ARGUMENT naming the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, input: unknown): T {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError('INVALID_ARGUMENT', 'the body must be a JSON object');
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
  throw new ApiError('INVALID_ARGUMENT', field && !message.startsWith(field) ? `${field}: ${message}` : message);
}

import { z } from 'zod';
import { ConfigError, problemsFromZod } from './config-error.js';
import { SETTING_ENV } from './process-settings.js';

// Client API tokens (docs/security.md): a JSON file named by
// DSS_API_TOKENS_FILE, {"readWrite": [...], "readOnly": [...]}. Without the
// file the API is open, as on a trusted network.

/** Shorter tokens can be guessed; 16 characters of a random token is 80+ bits. */
export const API_TOKEN_MIN_LENGTH = 16;
export const API_TOKEN_MAX_LENGTH = 256;
/** Enough for one token per application and a rotation in progress. */
export const API_TOKENS_MAX = 64;

// Visible ASCII without spaces: what fits an Authorization header unquoted.
const token = z
  .string()
  .min(API_TOKEN_MIN_LENGTH, `must be at least ${API_TOKEN_MIN_LENGTH} characters`)
  .max(API_TOKEN_MAX_LENGTH)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces');
export const apiTokensSchema = z
  .strictObject({
    readWrite: z.array(token).max(API_TOKENS_MAX).default([]),
    readOnly: z.array(token).max(API_TOKENS_MAX).default([]),
  })
  .refine(
    (t) => t.readWrite.length + t.readOnly.length > 0,
    'must list at least one token (or leave DSS_API_TOKENS_FILE unset for an open API)',
  )
  .refine((t) => !t.readWrite.some((x) => t.readOnly.includes(x)), 'a token cannot be both read-write and read-only');

export type ApiTokens = z.infer<typeof apiTokensSchema>;

export function loadApiTokens(path: string, read: (path: string) => string): ApiTokens {
  let json: unknown;
  try {
    json = JSON.parse(read(path));
  } catch (err) {
    throw new ConfigError(path, [
      { key: SETTING_ENV.apiTokensFile, problem: `cannot read ${path} as JSON: ${(err as Error).message}` },
    ]);
  }
  const parsed = apiTokensSchema.safeParse(json);
  // Never echo a token into a log: the problems name the field, not the value.
  if (!parsed.success)
    throw new ConfigError(
      path,
      problemsFromZod(parsed.error, (p) => `${SETTING_ENV.apiTokensFile} ${p.map(String).join('.') || '(file)'}`),
    );
  return parsed.data;
}

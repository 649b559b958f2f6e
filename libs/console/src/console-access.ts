import { bearerToken, type TokenBook } from '@dss/http';

/** What a browser may do through the console: everything on an open cluster, else what its token allows. */
export type ConsoleAccess = 'open' | 'readWrite' | 'readOnly';

/** The access a request's Authorization header grants, or why it grants none. */
export function accessOf(
  tokens: TokenBook | undefined,
  authorization: string | undefined,
): ConsoleAccess | 'missing' | 'invalid' {
  if (!tokens) return 'open';
  const presented = bearerToken(authorization);
  if (presented === undefined) return 'missing';
  return tokens.access(presented) ?? 'invalid';
}

export const canWrite = (access: ConsoleAccess): boolean => access !== 'readOnly';

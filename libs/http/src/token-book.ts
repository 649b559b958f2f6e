import { createHash } from 'node:crypto';
import type { ApiTokens } from '@dss/config';

export type TokenAccess = 'readWrite' | 'readOnly';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** The token of an `Authorization: Bearer <token>` header (visible ASCII), or undefined for none or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([\x21-\x7e]+)$/i.exec(authorization ?? '')?.[1];
}

/**
 * The client API's tokens (docs/security.md), for every protocol that checks them (HTTP's
 * bearer header, the cache's Redis AUTH). Kept as SHA-256 digests and looked up by digest,
 * so a comparison says nothing about a token's prefix.
 */
export class TokenBook {
  private readonly byDigest: ReadonlyMap<string, TokenAccess>;

  constructor(tokens: ApiTokens) {
    this.byDigest = new Map([
      ...tokens.readOnly.map((t) => [digest(t), 'readOnly'] as const),
      ...tokens.readWrite.map((t) => [digest(t), 'readWrite'] as const),
    ]);
  }

  /** What the token may do, or undefined for a token the cluster does not know. */
  access(token: string): TokenAccess | undefined {
    return this.byDigest.get(digest(token));
  }
}

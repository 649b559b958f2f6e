import { ApiError, TokenBook } from '@dss/http';
import type { ConsoleConfig } from '@dss/config/pure';
import { accessOf, type ConsoleAccess } from './console-access.js';

/**
 * The console's own token check, the daemons' rules (docs/security.md): with
 * tokens configured its API wants one, and a read-only one only reads. The
 * daemons check again what reaches them; this answers the browser early and
 * keeps a read-only session from sending a write at all.
 */
export class ConsoleAuth {
  private readonly book: TokenBook | undefined;

  constructor(config: ConsoleConfig) {
    this.book = config.apiTokens && new TokenBook(config.apiTokens);
  }

  get tokensRequired(): boolean {
    return this.book !== undefined;
  }

  /** The access of a request, or 401 UNAUTHORIZED as the daemons answer it. */
  require(authorization: string | undefined, write: boolean): ConsoleAccess {
    const access = accessOf(this.book, authorization);
    if (access === 'missing')
      throw new ApiError('UNAUTHORIZED', 'this cluster requires a token: send "Authorization: Bearer <token>"');
    if (access === 'invalid') throw new ApiError('UNAUTHORIZED', 'the bearer token is not valid');
    if (write && access === 'readOnly')
      throw new ApiError('UNAUTHORIZED', 'the token is read-only; this needs a read-write token');
    return access;
  }

  /** Like require, but a request without a token is told so rather than refused (the page then asks for one). */
  peek(authorization: string | undefined): ConsoleAccess | null {
    const access = accessOf(this.book, authorization);
    if (access === 'missing') return null;
    if (access === 'invalid') throw new ApiError('UNAUTHORIZED', 'the bearer token is not valid');
    return access;
  }
}

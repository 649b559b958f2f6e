import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { METRIC_HTTP_AUTH_FAILURES } from '@dss/metrics';
import type { ApiTokens } from '@dss/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { ApiError } from './api-error.js';
import { bearerToken, TokenBook } from './token-book.js';

export const API_TOKENS = Symbol('API_TOKENS');

/**
 * Probes and scrapes stay open: load balancers, PM2 scripts and Prometheus carry
 * no token. So does the API contract (/openapi.json): it is public (docs/api.md)
 * and a client generator must read it before it has a token. The routes marked
 * `open` in the contract (NODE_ROUTES) are these; a unit test keeps them equal.
 */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics', '/openapi.json']);
/** Methods a read-only token may use; everything else changes state. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Bearer tokens on the client API, when the node has any: a missing or
 * unknown token, or a read-only one on a write, is answered 401 before the
 * handler runs, so nothing is applied (tokens are looked up as TokenBook does).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly tokens: TokenBook | undefined;

  constructor(
    @Inject(API_TOKENS) tokens: ApiTokens | undefined,
    @InjectMetric(METRIC_HTTP_AUTH_FAILURES) private readonly failures: Counter<'reason'>,
  ) {
    this.tokens = tokens && new TokenBook(tokens);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.tokens) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const path = req.url.split('?')[0] ?? '';
    if (READ_METHODS.has(req.method) && OPEN_PATHS.has(path)) return true;
    const fail = (reason: string, message: string): never => {
      this.failures.inc({ reason });
      void http
        .getResponse<FastifyReply>()
        .header(
          'www-authenticate',
          `Bearer realm="dss"${reason === 'read_only' ? ', error="insufficient_scope"' : reason === 'missing' ? '' : ', error="invalid_token"'}`,
        );
      throw new ApiError('UNAUTHORIZED', message);
    };
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined)
      return fail('missing', 'this cluster requires a token: send "Authorization: Bearer <token>"');
    const access = this.tokens.access(presented);
    if (access === undefined) return fail('invalid', 'the bearer token is not valid');
    if (access === 'readOnly' && !READ_METHODS.has(req.method))
      return fail('read_only', `the token is read-only; ${req.method} ${path} needs a read-write token`);
    return true;
  }
}

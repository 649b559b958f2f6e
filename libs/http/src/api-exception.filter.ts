import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { throwError, type Observable } from 'rxjs';
import { ApiError, codeForStatus, type ApiErrorBody } from './api-error.js';
import { peerErrorAnswer } from './peer-error-answer.js';

interface FastifyErrorLike {
  statusCode?: number;
  message?: string;
}

/**
 * Renders every failure of an HTTP handler as the DSS error envelope. Fastify's
 * own errors (malformed JSON, body too large, wrong content type) arrive here
 * too and keep their 4xx status; anything unexpected is a 500 that is logged.
 * A peer (rpc) handler's failure goes back to the calling peer as an error
 * answer (peerErrorAnswer: its message and ApiError code, the same frame as
 * PeerEvents' direct path sends): rethrown, it was only logged, and the caller
 * waited for its timeout (a home's forward retried after 1 s instead of at
 * once, a rebuild's holdings after 5 s). Callers tell a 503 from an unknown
 * outcome by that code (home-client.service.ts).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<unknown> {
    if (host.getType() === 'rpc') {
      // Nest's TCP server sends what this observable fails with as the answer's `err`.
      const answer = peerErrorAnswer(exception);
      return throwError(() => answer);
    }
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.render(exception);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private render(exception: unknown): [number, ApiErrorBody] {
    if (exception instanceof ApiError) {
      return [exception.getStatus(), exception.getResponse() as ApiErrorBody];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { error: { code: codeForStatus(status), message: exception.message } }];
    }
    const fastify = exception as FastifyErrorLike;
    if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
      return [
        fastify.statusCode,
        { error: { code: codeForStatus(fastify.statusCode), message: fastify.message ?? 'bad request' } },
      ];
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return [500, { error: { code: 'INTERNAL', message: 'internal error' } }];
  }
}

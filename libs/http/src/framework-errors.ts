import type { FastifyError, FastifyReply } from 'fastify';
import { codeForStatus } from './api-error.js';

/**
 * Fastify answers some bad requests before any route or Nest filter runs (a
 * path that is not valid percent-encoding, a bad Content-Type). This gives
 * them the DSS error envelope too.
 */
export function frameworkErrors(error: FastifyError, _req: unknown, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.status(status).send({ error: { code: codeForStatus(status), message: error.message } });
}

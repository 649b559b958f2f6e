import type { FastifyError, FastifyReply } from 'fastify';
import { codeForStatus } from './api-error.js';

/**
 * Fastify answers some bad requests before any route or Nest filter runs (a
 * path that is not valid percent-encoding, a bad Content-Type). This gives
 * them the DSS error envelope too.
 */
export function frameworkErrors(error: FastifyError, _req: unknown, reply: FastifyReply): void {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.status(status).send({ error: { code: codeForStatus(status), message: error.message } });
}

/** Node's HTTP parser error codes that mean the request was too big rather than malformed. */
const TOO_LARGE = new Set(['HPE_HEADER_OVERFLOW']);

/**
 * Requests Node's HTTP parser cannot read at all (bad framing, a bad
 * Content-Length or chunk, a space in the path) never reach Fastify's router;
 * Fastify's default answer has its own shape. This writes the DSS envelope
 * straight to the socket and closes it (the stream cannot be trusted after).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code && TOO_LARGE.has(error.code) ? 431 : 400;
  const body = JSON.stringify({
    error: { code: codeForStatus(status), message: `malformed HTTP request (${error.code ?? 'parse error'})` },
  });
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

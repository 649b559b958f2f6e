import { HttpException } from '@nestjs/common';
import { API_ERROR_STATUS, type ApiErrorCode } from './api-error-codes.js';

export { API_ERROR_STATUS, codeForStatus, isApiErrorCode, type ApiErrorCode } from './api-error-codes.js';

// The error envelope of the public API (docs/locks.md, docs/queue.md, docs/cache.md): {"error": {"code", "message", ...details}}.

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string } & Record<string, unknown>;
}

/** Throw from any handler; the filter renders it with its status and extra fields. */
export class ApiError extends HttpException {
  constructor(
    readonly code: ApiErrorCode,
    /** The message without its code (Error's `message` carries both, for logs). */
    readonly text: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super({ error: { code, message: text, ...details } } satisfies ApiErrorBody, API_ERROR_STATUS[code]);
    // HttpException takes its message from a top-level `message`, which this envelope has not; logs need the real one.
    this.message = `${code}: ${text}`;
  }
}

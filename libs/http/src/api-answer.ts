import { API_ERROR_STATUS, type ApiErrorCode } from './api-error.js';

/**
 * An answer of a DSS API as data (status + JSON body), so that it can cross
 * the peer transport from the node that executed a request (the lock leader,
 * a topic's owner) back to the node the client called.
 */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const ok = (body: Record<string, unknown>, status = 200): ApiAnswer => ({ status, body });

export const fail = (code: ApiErrorCode, message: string, details: Record<string, unknown> = {}): ApiAnswer => ({
  status: API_ERROR_STATUS[code],
  body: { error: { code, message, ...details } },
});

// The error codes of the public API (docs/locks.md, docs/queue.md, docs/cache.md) and their statuses. No Nest here:
// the client library (libs/client) maps answers with the same table.

export const API_ERROR_STATUS = {
  INVALID_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  LOCKED: 409,
  DEADLOCK: 409,
  STALE_RECEIPT: 409,
  FENCED: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** Whether `code` is one of the API's error codes (for codes read off the wire). */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERROR_STATUS, code);
}

/** The code to report for a status that did not come from an ApiError. */
export function codeForStatus(status: number): ApiErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
    case 403:
      return 'UNAUTHORIZED';
    case 404:
    case 405:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'TIMEOUT';
    default:
      return status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  }
}

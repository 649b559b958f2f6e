/**
 * Largest request body any endpoint accepts, in bytes; a bigger one is
 * answered 413 PAYLOAD_TOO_LARGE before it is parsed.
 */
export const HTTP_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Longest path parameter (still URL-encoded) the router matches; longer ones
 * get 414 (URI too long). Fits a 512-byte cache key even when every byte is percent-encoded.
 */
export const HTTP_MAX_PARAM_LENGTH = 2048;

/**
 * A client must send its whole request (headers and body) within this many
 * ms: a slow-loris sender cannot hold a connection open forever. Answers may
 * take longer (long polls up to the largest waitMs are not affected).
 */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;
/** Idle keep-alive connections are closed after this long. */
export const HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Open client connections one daemon accepts; more are refused at once rather than starving the process. */
export const HTTP_MAX_CONNECTIONS = 10_000;

/** Fastify's server options for the limits above (maxConnections is set on the server after it starts). */
export const HTTP_CONNECTION_LIMITS = {
  requestTimeout: HTTP_REQUEST_TIMEOUT_MS,
  keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS,
} as const;

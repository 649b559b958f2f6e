/**
 * Largest request body any endpoint accepts, in bytes; a bigger one is
 * answered 413 PAYLOAD_TOO_LARGE before it is parsed.
 */
export const HTTP_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Longest path parameter (still URL-encoded) the router matches; longer ones
 * get 404. Fits a 512-byte cache key even when every byte is percent-encoded.
 */
export const HTTP_MAX_PARAM_LENGTH = 2048;

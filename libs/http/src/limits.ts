/**
 * Largest request body any endpoint accepts, in bytes; a bigger one is
 * answered 413 PAYLOAD_TOO_LARGE before it is parsed.
 */
export const HTTP_MAX_BODY_BYTES = 1024 * 1024;

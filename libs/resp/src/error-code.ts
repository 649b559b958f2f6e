/**
 * The code of a Redis error reply (NOSCRIPT, READONLY, LOADING...): by the RESP
 * specification it is the reply's first word, in capitals, and the only part
 * meant for programs; ioredis keeps the whole reply as the ReplyError's message
 * and has no field for it. Undefined for an error that is not a Redis reply
 * (a connection's failure) or a reply without a code.
 */
export function redisErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  const end = err.message.indexOf(' ');
  const word = end < 0 ? err.message : err.message.slice(0, end);
  return /^[A-Z][A-Z0-9_]*$/.test(word) ? word : undefined;
}

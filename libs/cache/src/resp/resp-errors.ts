import { Logger } from '@nestjs/common';
import { ApiError } from '@dss/http';

// One mapping from the cache's errors (ApiError codes, as HTTP answers them) to Redis's
// error replies, whose first word is the code clients switch on.

const logger = new Logger('CacheResp');

/** A reply error a command handler throws on purpose: `code message`, as Redis writes it. */
export class RespError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get line(): string {
    return `${this.code} ${this.message}`;
  }
}

export const syntaxError = (): RespError => new RespError('ERR', 'syntax error');
export const notInteger = (): RespError => new RespError('ERR', 'value is not an integer or out of range');

/** The error line for anything a command threw. */
export function errorLine(err: unknown, command: string): string {
  if (err instanceof RespError) return err.line;
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'INVALID_ARGUMENT':
      case 'PAYLOAD_TOO_LARGE':
      case 'NOT_FOUND':
        return `ERR ${err.text}`;
      // A later lock holder wrote the key; nothing happened. Its own first word, so clients can switch on it.
      case 'FENCED':
        return `FENCED ${err.text}`;
      // Nothing happened: trying again is safe (Redis Cluster's word for it).
      case 'UNAVAILABLE':
        return `TRYAGAIN ${err.text}`;
      // The change may or may not have happened.
      case 'TIMEOUT':
        return `TIMEOUT ${err.text}`;
      case 'UNAUTHORIZED':
        return `NOPERM ${err.text}`;
      default:
        break;
    }
  }
  logger.error(`${command}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return `ERR internal error in '${command.toLowerCase()}' (the node's log has the details)`;
}

import { ApiError } from '@dss/http';

/** 503: the node cannot serve the key now (no majority, home unreachable, memory down, stopping). */
export const unavailable = (message: string): ApiError => new ApiError('UNAVAILABLE', message);
/** 409: a write whose fencing token is older than the one the key remembers (values/fences.ts); nothing changed. */
export const fencedOut = (key: string, token: number, fence: number): ApiError =>
  new ApiError(
    'FENCED',
    `fencing token ${token} is older than the token ${fence} that last wrote key ${JSON.stringify(key)}`,
    { fence },
  );
/** 504: the key's home did not answer in time; the operation may or may not have happened. */
export const timedOut = (message: string): ApiError => new ApiError('TIMEOUT', message);

/**
 * Ends every message of a failure after which the change may have happened
 * (Redis timed out on a delete, a home stopped answering), for the people who
 * read it. Code reads the code: these are the only 504s a home answers with,
 * and the peer transport carries the code (PeerRemoteError.code), so a
 * requester answers a home's TIMEOUT with 504 too, never the 503 that promises
 * nothing changed.
 */
const OUTCOME_UNKNOWN = 'the outcome is unknown';
export const outcomeUnknown = (message: string): ApiError => timedOut(`${message}; ${OUTCOME_UNKNOWN}`);

import { ApiError } from '@dss/http';

/** 503: the node cannot serve the key now (no majority, home unreachable, memory down, stopping). */
export const unavailable = (message: string): ApiError => new ApiError('UNAVAILABLE', message);
/** 504: the key's home did not answer in time; the operation may or may not have happened. */
export const timedOut = (message: string): ApiError => new ApiError('TIMEOUT', message);

/**
 * Ends every message of a failure after which the change may have happened
 * (Redis timed out on a delete, a home stopped answering). The peer transport
 * carries only the message, so a requester recognises a home's 504 by it and
 * answers 504 too, never the 503 that promises nothing changed.
 */
export const OUTCOME_UNKNOWN = 'the outcome is unknown';
export const outcomeUnknown = (message: string): ApiError => timedOut(`${message}; ${OUTCOME_UNKNOWN}`);

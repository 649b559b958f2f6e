import { ApiError } from '@dss/http';

/** 503: the node cannot serve the key now (no majority, home unreachable, memory down, stopping). */
export const unavailable = (message: string): ApiError => new ApiError('UNAVAILABLE', message);
/** 504: the key's home did not answer in time; the operation may or may not have happened. */
export const timedOut = (message: string): ApiError => new ApiError('TIMEOUT', message);

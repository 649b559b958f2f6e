import type { ApiAnswer } from '@dss/http';

/** An answer of the lock API, as it crosses from the leader back to the node the client called. */
export type LockResponse = ApiAnswer;
export { fail, ok } from '@dss/http';

export type LockOp = 'acquire' | 'release' | 'renew' | 'acquireSet' | 'releaseSet' | 'renewSet' | 'read' | 'list';

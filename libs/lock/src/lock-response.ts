import type { ApiErrorCode } from '@dss/http';
import { API_ERROR_STATUS } from '@dss/http';

/** An answer of the lock API, as it crosses from the leader back to the node the client called. */
export interface LockResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const ok = (body: Record<string, unknown>): LockResponse => ({ status: 200, body });

export const fail = (code: ApiErrorCode, message: string, details: Record<string, unknown> = {}): LockResponse => ({
  status: API_ERROR_STATUS[code],
  body: { error: { code, message, ...details } },
});

export type LockOp = 'acquire' | 'release' | 'renew' | 'read';

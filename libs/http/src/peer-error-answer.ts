import { RpcException } from '@nestjs/microservices';
import { ApiError } from './api-error.js';
import { isApiErrorCode, type ApiErrorCode } from './api-error-codes.js';

/**
 * What the calling peer reads when a peer handler fails: the frame's `err`.
 * `code` is the ApiError code the handler failed with, so the caller can switch
 * on it (a home's TIMEOUT means "the outcome is unknown", anything else "nothing
 * happened") instead of reading the message, which is for people.
 */
export interface PeerErrorAnswer {
  status: 'error';
  message: string;
  code?: ApiErrorCode;
}

/**
 * Renders a failed peer handler's error as the answer frame's `err`. Both server
 * paths use it, so a caller reads the same frame whichever answered: Nest's
 * (ApiExceptionFilter, for @MessagePattern handlers) and the direct one
 * (PeerEvents.answer). An RpcException built from an object goes back as that
 * object, as Nest's own RPC filter sends it.
 */
export function peerErrorAnswer(err: unknown): PeerErrorAnswer | object {
  if (err instanceof ApiError) return { status: 'error', message: err.text, code: err.code };
  if (err instanceof RpcException) {
    const error = err.getError();
    return typeof error === 'object' && error !== null ? error : { status: 'error', message: String(error) };
  }
  return { status: 'error', message: err instanceof Error ? err.message : String(err) };
}

/** The ApiError code an error answer carries, if it carries a known one (an older peer's answer has none). */
export function peerErrorCode(answer: unknown): ApiErrorCode | undefined {
  const code = (answer as { code?: unknown } | null)?.code;
  return isApiErrorCode(code) ? code : undefined;
}

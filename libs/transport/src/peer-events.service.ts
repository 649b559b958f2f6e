import { Inject, Injectable, Logger } from '@nestjs/common';
import { peerRefusalRule, type PeerRefusalRule } from './peer-identity.js';
import { PeerRejections } from './peer-rejections.service.js';
import { RpcException } from '@nestjs/microservices';
import { peerErrorAnswer } from '@dss/http';
import type { PeerEventPattern, PeerPattern, PeerRequest, PeerResponse } from './peer-rpc-contract.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

type Handler = (payload: unknown) => void;
type RequestHandler = (payload: unknown) => unknown;
/** Sends one frame back on the connection a request came in on. */
export type PeerReply = (frame: PeerAnswerFrame) => void;
/** An answer as Nest's TCP server frames it, so PeerConnection reads both alike. */
export type PeerAnswerFrame = { id: string; isDisposed: true } & ({ response: unknown } | { err: object });

/**
 * The receiving end of one-way peer events (Raft messages, cache unblocks).
 * They skip Nest's microservice pipeline (pattern routing, RxJS, guards,
 * filters): at a few hundred events per operation-second that pipeline was most
 * of a lock daemon's CPU, on a path where nothing answers. PeerSocket hands each
 * event frame here; the sender is checked with the same rule as requests
 * (peerRefusalRule), and the handler gets the payload as received: it must
 * validate it (Raft's isMessage, the cache's own checks).
 */
@Injectable()
export class PeerEvents {
  private readonly logger = new Logger('PeerEvents');
  private readonly handlers = new Map<string, Handler>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly refusal: PeerRefusalRule;

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    private readonly rejections: PeerRejections,
  ) {
    this.refusal = peerRefusalRule(options);
  }

  /** Routes `pattern`'s events to `handler`, with the payload unchecked (PeerEventContract says what a correct peer sends). */
  on(pattern: PeerEventPattern, handler: Handler): void {
    if (this.handlers.has(pattern)) throw new Error(`peer event ${pattern} already has a handler`);
    this.handlers.set(pattern, handler);
  }

  /**
   * Answers `pattern`'s requests with `handler` on this direct path, skipping Nest's
   * pipeline like events do: for the hot requests of a protocol (the cache's
   * coherence requests and forwards), where routing, RxJS and the guard chain cost
   * more than the handler. The answer goes back framed as Nest frames it; a throw
   * or rejection goes back as the error answer ApiExceptionFilter sends for a
   * failed @MessagePattern handler (peerErrorAnswer: message and ApiError code).
   * The payload is unchecked, as for events.
   */
  answer<P extends PeerPattern>(
    pattern: P,
    handler: (payload: PeerRequest<P>) => PeerResponse<P> | Promise<PeerResponse<P>>,
  ): void {
    if (this.requestHandlers.has(pattern)) throw new Error(`peer request ${pattern} already has a handler`);
    // The sender is bound by PeerRpcContract; the payload's shape is the handler's to check.
    this.requestHandlers.set(pattern, handler as RequestHandler);
  }

  /**
   * A frame from a peer connection (`peer`: its certificate's node id; `reply`
   * answers on that connection). Returns false when it is neither an event nor
   * a request this registry handles, which then goes to Nest.
   */
  dispatch(frame: unknown, peer: string | undefined, reply?: PeerReply): boolean {
    if (typeof frame !== 'object' || frame === null) return false;
    const { pattern, data, id } = frame as { pattern?: unknown; data?: unknown; id?: unknown };
    if (typeof pattern !== 'string') return false;
    if (id !== undefined)
      return typeof id === 'string' && reply !== undefined && this.request(pattern, id, data, peer, reply);
    const handler = this.handlers.get(pattern);
    if (handler === undefined) return false;
    if (this.refused(pattern, peer, data)) return true;
    try {
      handler(data);
    } catch (err) {
      // A bug in one handler must not close the connection that other events share.
      this.logger.error(
        `${pattern} handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    return true;
  }

  private request(pattern: string, id: string, data: unknown, peer: string | undefined, reply: PeerReply): boolean {
    const handler = this.requestHandlers.get(pattern);
    if (handler === undefined) return false;
    const fail = (err: unknown) => reply({ id, isDisposed: true, err: peerErrorAnswer(err) });
    if (this.refused(pattern, peer, data, (detail) => fail(new RpcException(`refused: ${detail}`)))) return true;
    try {
      const out = handler(data);
      if (isThenable(out)) out.then((response: unknown) => reply({ id, isDisposed: true, response }), fail);
      else reply({ id, isDisposed: true, response: out });
    } catch (err) {
      fail(err);
    }
    return true;
  }

  /** Applies peerRefusalRule when mutual TLS is on: a refused frame is counted (and answered through `answer`). */
  private refused(
    pattern: string,
    peer: string | undefined,
    data: unknown,
    answer?: (detail: string) => void,
  ): boolean {
    if (!this.options.tls) return false;
    const refusal = this.refusal(pattern, peer, data);
    if (refusal === null) return false;
    this.rejections.record(refusal.reason, refusal.detail);
    answer?.(refusal.detail);
    return true;
  }
}

/** A promise, from whichever realm (jest runs modules in their own). */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && 'then' in v && typeof v.then === 'function';
}

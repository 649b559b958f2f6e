import { Inject, Injectable, Logger } from '@nestjs/common';
import { peerRefusalRule, type PeerRefusalRule } from './peer-identity.js';
import { PeerRejections } from './peer-rejections.service.js';
import type { PeerEventPattern } from './peer-rpc-contract.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

type Handler = (payload: unknown) => void;

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
   * A frame from a peer connection (`peer`: its certificate's node id). Returns
   * false when it is not an event this registry handles (a request, or an
   * unknown pattern), which then goes to Nest.
   */
  dispatch(frame: unknown, peer: string | undefined): boolean {
    if (typeof frame !== 'object' || frame === null || 'id' in frame) return false;
    const { pattern, data } = frame as { pattern?: unknown; data?: unknown };
    const handler = typeof pattern === 'string' ? this.handlers.get(pattern) : undefined;
    if (handler === undefined || typeof pattern !== 'string') return false;
    if (this.options.tls) {
      const refusal = this.refusal(pattern, peer, data);
      if (refusal !== null) {
        this.rejections.record(refusal.reason, refusal.detail);
        return true;
      }
    }
    try {
      handler(data);
    } catch (err) {
      // A bug in one handler must not close the connection that other events share.
      this.logger.error(`${pattern} handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    return true;
  }
}

import { Injectable } from '@nestjs/common';
import type { ForwardKind, ForwardReply, Grant, RequestKind } from '@dss/mesi';
import { PeerClients } from '@dss/transport';

export interface CoherenceRequest {
  readonly key: string;
  readonly txn: string;
  readonly from: string;
  readonly kind: RequestKind;
  /** The requester holds the line in S (a getMD from a shared copy: the home may leave memory unread). */
  readonly shared?: true;
  /** The requester's view of the live nodes: a home serves only a requester that sees what it sees. */
  readonly view: readonly string[];
}
export type CoherenceAnswer =
  { readonly grant: Grant } | { readonly notHome: string } | { readonly viewDiffers: readonly string[] };
export interface ForwardMessage {
  readonly key: string;
  readonly txn: string;
  readonly kind: ForwardKind;
  readonly from: string;
}
export interface UnblockMessage {
  readonly key: string;
  readonly txn: string;
  readonly from: string;
}

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** A node asks a key's home for a line (read, write, delete) or says it dropped one. */
    'cache.request': { request: CoherenceRequest; response: CoherenceAnswer };
    /** A home asks a holder to invalidate or downgrade its copy. */
    'cache.forward': { request: ForwardMessage; response: ForwardReply };
  }
  interface PeerEventContract {
    /** The requester installed its grant: the home may start the key's next transaction. */
    'cache.unblock': UnblockMessage;
  }
}

interface LocalHandlers {
  request(msg: CoherenceRequest): Promise<CoherenceAnswer>;
  unblock(msg: UnblockMessage): void;
  forward(msg: ForwardMessage): Promise<ForwardReply>;
}

/**
 * Delivers coherence messages: over the peer transport to other nodes, by a
 * direct call when this node is the other end (a home requesting for itself,
 * forwarding to itself). Breaks the cycle between the directory and the lines.
 */
@Injectable()
export class CoherenceRouter {
  private local?: Partial<LocalHandlers>;
  private self = '';

  constructor(private readonly peers: PeerClients) {}

  bind(self: string, handlers: Partial<LocalHandlers>): void {
    this.self = self;
    this.local = { ...this.local, ...handlers };
  }

  request(home: string, msg: CoherenceRequest, timeoutMs: number): Promise<CoherenceAnswer> {
    if (home === this.self) return this.handler('request')(msg);
    return this.peers.call(home, 'cache.request', msg, { timeoutMs });
  }

  forward(to: string, msg: ForwardMessage, timeoutMs: number): Promise<ForwardReply> {
    if (to === this.self) return this.handler('forward')(msg);
    return this.peers.call(to, 'cache.forward', msg, { timeoutMs });
  }

  unblock(home: string, msg: UnblockMessage): void {
    if (home === this.self) this.handler('unblock')(msg);
    else this.peers.emit(home, 'cache.unblock', msg);
  }

  private handler<K extends keyof LocalHandlers>(name: K): LocalHandlers[K] {
    const h = this.local?.[name];
    if (!h) throw new Error(`cache ${name} handler is not bound yet`);
    return h;
  }
}

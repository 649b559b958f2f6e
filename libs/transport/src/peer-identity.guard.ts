import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RpcException, type TcpContext } from '@nestjs/microservices';
import { PeerRejections } from './peer-rejections.service.js';
import { PeerSocket } from './peer-socket.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

/** The sender a message claims to be from: `from` on the message, or on each message of a batch. */
function claimedSenders(payload: unknown): string[] {
  const items = Array.isArray(payload) ? payload : [payload];
  return items.flatMap((m) => (typeof m === 'object' && m !== null && typeof (m as { from?: unknown }).from === 'string' ? [(m as { from: string }).from] : []));
}

/** Patterns that any node of the cluster may send, whatever its role: the lock nodes' Redis topology. */
export const CLUSTER_WIDE_PATTERNS: ReadonlySet<string> = new Set(['redis.topology']);

/**
 * Every peer message must come over a connection whose certificate names a
 * node of this role in the cluster description (not this node itself), and
 * any sender the message claims must be that node: a member cannot speak for
 * another. Refused messages are dropped (events) or answered with an error
 * (requests), and counted. A cluster-wide pattern is accepted from any node of the
 * description (another role's daemon on any machine). HTTP requests are not peer traffic and pass.
 */
@Injectable()
export class PeerIdentityGuard implements CanActivate {
  private readonly members: ReadonlySet<string>;
  private readonly clusterNodes: ReadonlySet<string>;

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    private readonly rejections: PeerRejections,
  ) {
    this.members = new Set(options.peers.map((p) => p.id));
    this.clusterNodes = new Set(options.clusterNodeIds ?? []);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc' || !this.options.tls) return true;
    const rpc = context.switchToRpc();
    const socket = rpc.getContext<TcpContext>().getSocketRef();
    const pattern = rpc.getContext<TcpContext>().getPattern();
    const peer = socket instanceof PeerSocket ? socket.peerId : undefined;
    if (peer === undefined) return this.refuse('unauthenticated', `${pattern} over a connection without a verified certificate`);
    if (CLUSTER_WIDE_PATTERNS.has(pattern)) {
      // Asked by daemons of other roles, on any node of the cluster (this one's included).
      if (!this.clusterNodes.has(peer)) return this.refuse('unknown_peer', `${pattern} from "${peer}", which is not a node in the cluster description`);
    } else if (!this.members.has(peer)) {
      return this.refuse('unknown_peer', `${pattern} from "${peer}", which is not a ${this.options.role} peer in the cluster description`);
    }
    const spoofed = claimedSenders(rpc.getData()).find((from) => from !== peer);
    if (spoofed !== undefined) return this.refuse('spoofed_sender', `${pattern} from ${peer} claims to be from "${spoofed}"`);
    return true;
  }

  private refuse(reason: 'unauthenticated' | 'unknown_peer' | 'spoofed_sender', detail: string): never {
    this.rejections.record(reason, detail);
    throw new RpcException(`refused: ${detail}`);
  }
}

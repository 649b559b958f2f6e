import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { RpcException, type TcpContext } from '@nestjs/microservices';
import { peerRefusalRule, type PeerRefusalRule } from './peer-identity.js';
import { PeerRejections } from './peer-rejections.service.js';
import { PeerSocket } from './peer-socket.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

/**
 * Applies peerRefusalRule (peer-identity.ts) to every peer request handled by Nest:
 * a refused request is answered with an error and counted. Events do not come
 * this way (PeerEvents checks them). HTTP requests are not peer traffic and pass.
 */
@Injectable()
export class PeerIdentityGuard implements CanActivate {
  private readonly refusal: PeerRefusalRule;

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    private readonly rejections: PeerRejections,
  ) {
    this.refusal = peerRefusalRule(options);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'rpc' || !this.options.tls) return true;
    const rpc = context.switchToRpc();
    const socket = rpc.getContext<TcpContext>().getSocketRef();
    const pattern = rpc.getContext<TcpContext>().getPattern();
    const peer = socket instanceof PeerSocket ? socket.peerId : undefined;
    const refusal = this.refusal(pattern, peer, rpc.getData());
    if (refusal === null) return true;
    this.rejections.record(refusal.reason, refusal.detail);
    throw new RpcException(`refused: ${refusal.detail}`);
  }
}

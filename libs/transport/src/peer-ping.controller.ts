import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { PingRequest, PingResponse } from './peer-rpc-contract.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

/** Answers peer pings; a ping from another role means a miswired cluster description. */
@Controller()
export class PeerPingController {
  constructor(@Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions) {}

  @MessagePattern('dss.ping')
  ping(@Payload() request: PingRequest): PingResponse {
    if (request?.role !== this.options.role) {
      throw new RpcException(
        `this is the ${this.options.role} service of ${this.options.selfId}, not ${String(request?.role)}`,
      );
    }
    return { node: this.options.selfId, role: this.options.role, time: Date.now() };
  }
}

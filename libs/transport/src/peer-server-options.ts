import { Transport, type TcpOptions } from '@nestjs/microservices';
import { PEER_MAX_MESSAGE_BYTES, type PeerTransportOptions } from './transport-options.js';

/** Options for `app.connectMicroservice`: the TCP server peers talk to. */
export function peerServerOptions(options: Pick<PeerTransportOptions, 'bindHost' | 'port'>): TcpOptions {
  return {
    transport: Transport.TCP,
    options: { host: options.bindHost, port: options.port, maxBufferSize: PEER_MAX_MESSAGE_BYTES },
  };
}

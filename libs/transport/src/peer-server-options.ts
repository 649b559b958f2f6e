import { Transport, type TcpOptions } from '@nestjs/microservices';
import { PeerSocket } from './peer-socket.js';
import type { PeerTransportOptions } from './transport-options.js';

/** Options for `app.connectMicroservice`: the TCP server peers talk to. */
export function peerServerOptions(options: Pick<PeerTransportOptions, 'bindHost' | 'port'>): TcpOptions {
  return {
    transport: Transport.TCP,
    options: { host: options.bindHost, port: options.port, socketClass: PeerSocket },
  };
}

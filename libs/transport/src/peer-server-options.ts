import { Transport, type TcpOptions } from '@nestjs/microservices';
import { PeerSocket } from './peer-socket.js';
import { peerServerTls } from './peer-tls-options.js';
import type { PeerTransportOptions } from './transport-options.js';

/** Options for `app.connectMicroservice`: the TCP server peers talk to, over mutual TLS when configured. */
export function peerServerOptions(options: Pick<PeerTransportOptions, 'bindHost' | 'port' | 'tls'>): TcpOptions {
  return {
    transport: Transport.TCP,
    options: {
      host: options.bindHost,
      port: options.port,
      socketClass: PeerSocket,
      ...(options.tls ? { tlsOptions: peerServerTls(options.tls) } : {}),
    },
  };
}

import { Transport, type TcpOptions } from '@nestjs/microservices';
import type { PeerEvents } from './peer-events.service.js';
import { PeerSocket, peerServerSocketClass } from './peer-socket.js';
import { peerServerTls } from './peer-tls-options.js';
import type { PeerTransportOptions } from './transport-options.js';

/**
 * Options for `app.connectMicroservice`: the TCP server peers talk to, over mutual
 * TLS when configured; one-way events go to `events` (`app.get(PeerEvents)`), or
 * through Nest's @EventPattern handlers without it.
 */
export function peerServerOptions(
  options: Pick<PeerTransportOptions, 'bindHost' | 'port' | 'tls'>,
  events?: PeerEvents,
): TcpOptions {
  return {
    transport: Transport.TCP,
    options: {
      host: options.bindHost,
      port: options.port,
      socketClass: events ? peerServerSocketClass(events) : PeerSocket,
      ...(options.tls ? { tlsOptions: peerServerTls(options.tls) } : {}),
    },
  };
}

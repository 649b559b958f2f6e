import { JsonSocket } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS, PEER_MAX_MESSAGE_BYTES, PEER_MAX_SEND_BUFFER_BYTES } from './transport-options.js';

/**
 * Nest's JSON framing with Nagle's algorithm off. Peer traffic is small
 * request/response messages (Raft appends and their acks); with Nagle on, a
 * message can sit behind the peer's delayed ACK for milliseconds, which is
 * most of a commit's latency on a fast network. Also bounds what one
 * connection may hold (Nest passes framing options only to its own class):
 * frames of at most PEER_MAX_MESSAGE_BYTES, a frame must finish arriving in
 * PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS, and a peer that reads nothing is cut
 * off after PEER_MAX_SEND_BUFFER_BYTES of answers.
 */
export class PeerSocket extends JsonSocket {
  /**
   * On the server side of a mutual-TLS connection: the node id (certificate
   * common name) the CA vouched for. Undefined on plain TCP.
   */
  readonly peerId: string | undefined;

  constructor(socket: Socket) {
    socket.setNoDelay(true);
    super(socket, {
      maxBufferSize: PEER_MAX_MESSAGE_BYTES,
      incompleteMessageTimeout: PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS,
      maxSendBufferSize: PEER_MAX_SEND_BUFFER_BYTES,
    });
    // A certificate with several common names is not one of ours: no identity.
    const cn: unknown = socket instanceof TLSSocket && socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
    this.peerId = typeof cn === 'string' ? cn : undefined;
  }
}

import { JsonSocket } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import { PEER_MAX_MESSAGE_BYTES } from './transport-options.js';

/**
 * Nest's JSON framing with Nagle's algorithm off. Peer traffic is small
 * request/response messages (Raft appends and their acks); with Nagle on, a
 * message can sit behind the peer's delayed ACK for milliseconds, which is
 * most of a commit's latency on a fast network. Also caps frames at
 * PEER_MAX_MESSAGE_BYTES (Nest passes framing options only to its own class).
 */
export class PeerSocket extends JsonSocket {
  constructor(socket: Socket) {
    socket.setNoDelay(true);
    super(socket, { maxBufferSize: PEER_MAX_MESSAGE_BYTES });
  }
}

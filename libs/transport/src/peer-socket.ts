import { JsonSocket } from '@nestjs/microservices';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { PeerEvents } from './peer-events.service.js';
import {
  PEER_CONNECT_TIMEOUT_MS,
  PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS,
  PEER_MAX_MESSAGE_BYTES,
  PEER_MAX_SEND_BUFFER_BYTES,
} from './transport-options.js';

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

  /** `events`: on the server side, where one-way events go instead of Nest's pipeline. */
  constructor(
    socket: Socket,
    private readonly events?: PeerEvents,
  ) {
    socket.setNoDelay(true);
    super(socket, {
      maxBufferSize: PEER_MAX_MESSAGE_BYTES,
      incompleteMessageTimeout: PEER_INCOMPLETE_MESSAGE_TIMEOUT_MS,
      maxSendBufferSize: PEER_MAX_SEND_BUFFER_BYTES,
    });
    // A socket this node dials (not one its server accepted) must connect in time: see PEER_CONNECT_TIMEOUT_MS.
    if (socket.remoteAddress === undefined) abandonUnlessConnected(socket, PEER_CONNECT_TIMEOUT_MS);
    // A certificate with several common names is not one of ours: no identity.
    const cn: unknown =
      socket instanceof TLSSocket && socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
    this.peerId = typeof cn === 'string' ? cn : undefined;
  }

  /** Frames are held in the socket's buffer until the next flush (see handleSend). */
  private corked = false;

  /**
   * Every frame written before the event loop's next check phase leaves in one
   * write: one TLS record and one syscall for all the answers and requests a
   * batch of reads produced, instead of one each (under load the per-write
   * cost, mostly TLS, was the largest share of a cache node's CPU). A frame
   * waits at most for the rest of the current loop turn; setImmediate never
   * lets the loop block on I/O first. A sender about to block the loop itself
   * (Raft's leader before its fsync) calls flush() so the frames leave first.
   */
  protected override handleSend(message: unknown, callback?: (err?: unknown) => void): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      // A flush() in between makes this one flush a later batch early: harmless.
      setImmediate(() => this.flush());
    }
    super.handleSend(message, callback);
  }

  /** Writes the frames held so far now. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  protected override emitMessage(data: string): void {
    if (this.events === undefined) return super.emitMessage(data);
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return super.emitMessage(data); // Nest reports the malformed frame and closes the connection
    }
    if (!this.events.dispatch(frame, this.peerId, (answer) => this.sendMessage(answer)))
      this.socket.emit('message', frame ?? {});
  }
}

/** PeerSocket for a server whose events go to `events` (Nest builds the socket class with one argument). */
export function peerServerSocketClass(events: PeerEvents): typeof PeerSocket {
  return class extends PeerSocket {
    constructor(socket: Socket) {
      super(socket, events);
    }
  };
}

/**
 * Closes a dialled socket that is not connected (TLS: handshake done) within
 * `ms`. Closed without an error, so Nest does not log one per attempt while a
 * peer is cut off; calls waiting on it fail as "connection closed" (unavailable).
 */
function abandonUnlessConnected(socket: Socket, ms: number): void {
  const ready = socket instanceof TLSSocket ? 'secureConnect' : 'connect';
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once(ready, () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}

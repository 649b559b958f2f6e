import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { abandonUnlessConnected } from './peer-socket.js';
import { PEER_CONNECT_TIMEOUT_MS, PEER_MAX_SEND_BUFFER_BYTES } from './transport-options.js';

/**
 * The sending end of one-way events to one peer: its own connection to the
 * peer's port, written in Nest's JSON framing (`<length>#{"pattern":…,"data":…}`,
 * the length in UTF-16 units as JsonSocket counts them), so the peer's server
 * reads it like any other frame and hands it to PeerEvents. Nest's client would
 * add an RxJS pipeline per event for an answer that never comes.
 *
 * Events are lossy by contract (Raft retransmits): a frame written while the
 * connection is being set up waits in the socket; a broken connection loses
 * what it held and the next send dials again; a peer that stops reading is cut
 * off once PEER_MAX_SEND_BUFFER_BYTES are waiting.
 */
export class PeerEventChannel {
  private socket: Socket | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly tls: ConnectionOptions | undefined,
    private readonly onFailure: () => void,
  ) {}

  send(pattern: string, data: unknown): void {
    const json = JSON.stringify({ pattern, data });
    const socket = this.socket ?? this.dial();
    socket.write(`${json.length}#${json}`);
    if (socket.writableLength > PEER_MAX_SEND_BUFFER_BYTES) socket.destroy(new Error('peer is not reading'));
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private dial(): Socket {
    const socket = this.tls ? tlsConnect({ ...this.tls, host: this.host, port: this.port }) : tcpConnect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    abandonUnlessConnected(socket, PEER_CONNECT_TIMEOUT_MS);
    socket.on('data', () => undefined); // nothing is expected back; never let it pile up
    socket.on('error', () => this.onFailure());
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.socket = socket;
    return socket;
  }
}

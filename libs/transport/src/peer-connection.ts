import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { PeerConnectionClosedError } from './peer-errors.js';
import { PeerSocket } from './peer-socket.js';
import { PEER_REDIAL_INTERVAL_MS } from './transport-options.js';

interface Pending {
  /** The connection the request went out on: only its failure fails the request. */
  readonly socket: PeerSocket;
  resolve(response: unknown): void;
  reject(err: unknown): void;
}

/** A frame the peer's Nest server sends back for a request. */
interface ResponseFrame {
  id?: unknown;
  response?: unknown;
  err?: unknown;
}

/**
 * This node's one connection to one peer, for requests and one-way events
 * alike, in Nest's TCP framing (`<length>#<json>`, PeerSocket) so the peer's
 * server reads it like any Nest client: requests are `{pattern, data, id}` and
 * get `{id, response | err}` back, events are `{pattern, data}` and get nothing.
 * Nest's own client would wrap every call and every event in an RxJS pipeline;
 * at a few messages per lock operation that was a large share of a daemon's CPU.
 *
 * Dialled on first use and again after it breaks. A connection that breaks fails
 * its pending requests with the socket's error, or PeerConnectionClosedError (both read
 * as unavailable by PeerClients); events it held are lost, as Raft expects.
 * Dials that do not connect in PEER_CONNECT_TIMEOUT_MS are abandoned (PeerSocket), and
 * after a failed dial the next one waits for PEER_REDIAL_INTERVAL_MS.
 */
export class PeerConnection {
  private socket: PeerSocket | undefined;
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  /** When the last dial began (performance.now()). */
  private dialedAt = -Infinity;
  /** Why the last dial failed; cleared when a dial connects. */
  private dialFailure: unknown;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly tls: ConnectionOptions | undefined,
    /** Called once per connection that broke (for the events-failed counter). */
    private readonly onBroken: () => void,
    private readonly redialIntervalMs = PEER_REDIAL_INTERVAL_MS,
  ) {}

  /**
   * A one-way event: written (or queued behind the dial), never answered. Sent
   * with the loop turn's other frames, or at once with `flush` (PeerSocket).
   */
  emit(pattern: string, data: unknown, flush = false): boolean {
    const socket = this.connection();
    if (socket === undefined) return false; // lost, as on the dial that would have failed
    socket.sendMessage({ pattern, data });
    if (flush) socket.flush();
    return true;
  }

  /** A request: resolves with the peer's response, rejects with its `err` or the connection's failure. */
  request(pattern: string, data: unknown): { id: string; answer: Promise<unknown> } {
    const id = String(++this.nextId);
    const socket = this.connection();
    if (socket === undefined) return { id, answer: Promise.reject(this.dialFailure) };
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { socket, resolve, reject }));
    socket.sendMessage({ pattern, data, id }, (err?: unknown) => {
      if (err) this.settle(id, (p) => p.reject(err));
    });
    return { id, answer };
  }

  /** Stops waiting for `id` (its caller timed out); a late answer is ignored. */
  forget(id: string): void {
    this.pending.delete(id);
  }

  /** Drops the connection; pending requests fail as closed and the next use dials again. */
  close(): void {
    const socket = this.socket;
    this.socket = undefined; // the next use dials a new one at once; this one fails its own requests
    socket?.netSocket.destroy();
  }

  /** The live connection, or a new dial; undefined while a failed dial's interval runs. */
  private connection(): PeerSocket | undefined {
    // A destroyed socket whose 'close' has not been emitted yet (a write can fail, and
    // its caller retry, in between) is as gone as one that closed.
    if (this.socket !== undefined && !this.socket.netSocket.destroyed) return this.socket;
    const now = performance.now();
    if (this.dialFailure !== undefined && now - this.dialedAt < this.redialIntervalMs) return undefined;
    this.dialedAt = now;
    const raw: Socket = this.tls
      ? tlsConnect({ ...this.tls, host: this.host, port: this.port })
      : tcpConnect({ host: this.host, port: this.port });
    const socket = new PeerSocket(raw);
    let failure: unknown;
    let connected = false;
    raw.once(this.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      this.dialFailure = undefined;
    });
    raw.on('message', (frame: ResponseFrame) => this.answer(frame));
    raw.on('error', (err: unknown) => {
      // Nest's framing reports its own errors (oversized frame...) as bare strings.
      failure ??= typeof err === 'string' ? new Error(err) : err;
    });
    raw.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.onBroken();
      const err = failure ?? new PeerConnectionClosedError();
      if (!connected) this.dialFailure = err;
      for (const [id, p] of [...this.pending]) if (p.socket === socket) this.settle(id, (q) => q.reject(err));
    });
    this.socket = socket;
    return socket;
  }

  private answer(frame: ResponseFrame): void {
    if (typeof frame?.id !== 'string') return;
    const { err, response } = frame;
    this.settle(frame.id, (p) => (err !== undefined && err !== null ? p.reject(err) : p.resolve(response)));
  }

  private settle(id: string, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    fn(p);
  }
}

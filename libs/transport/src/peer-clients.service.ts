import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { METRIC_PEER_EVENTS, METRIC_PEER_RPC_SECONDS } from '@dss/metrics';
import type { Counter, Histogram } from 'prom-client';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { PeerRemoteError, PeerTimeoutError, PeerUnavailableError, UnknownPeerError, type PeerError } from './peer-errors.js';
import type { PeerEventContract, PeerEventPattern, PeerPattern, PeerRequest, PeerResponse } from './peer-rpc-contract.js';
import { PeerEventChannel } from './peer-event-channel.js';
import { PeerSocket } from './peer-socket.js';
import { peerClientTls } from './peer-tls-options.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * One TCP client per peer of this role, kept connected across calls; after
 * a failed connection it is reset so the next call dials again.
 */
@Injectable()
export class PeerClients implements OnApplicationShutdown {
  private readonly clients = new Map<string, ClientProxy>();
  private readonly channels = new Map<string, PeerEventChannel>();
  /** When each peer last answered a call (performance.now()), whatever the answer. */
  private readonly answeredAt = new Map<string, number>();

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    @InjectMetric(METRIC_PEER_RPC_SECONDS) private readonly latency: Histogram<'peer' | 'pattern' | 'outcome'>,
    @InjectMetric(METRIC_PEER_EVENTS) private readonly events: Counter<'peer' | 'pattern' | 'outcome'>,
  ) {
    for (const peer of options.peers) {
      this.clients.set(
        peer.id,
        ClientProxyFactory.create({
          transport: Transport.TCP,
          options: { host: peer.host, port: peer.peerPort, socketClass: PeerSocket, ...(options.tls ? { tlsOptions: peerClientTls(options.tls, peer.id) } : {}) },
        }),
      );
      const tls = options.tls ? peerClientTls(options.tls, peer.id) : undefined;
      this.channels.set(peer.id, new PeerEventChannel(peer.host, peer.peerPort, tls, () => this.events.inc({ peer: peer.id, pattern: 'any', outcome: 'failed' })));
    }
  }

  get peerIds(): string[] {
    return [...this.clients.keys()];
  }

  /** Sends `request` to `peerId` and resolves with its typed answer, or rejects with a PeerError. */
  async call<P extends PeerPattern>(peerId: string, pattern: P, request: PeerRequest<P>, opts: { timeoutMs?: number } = {}): Promise<PeerResponse<P>> {
    const client = this.clients.get(peerId);
    if (!client) throw new UnknownPeerError(peerId, pattern);
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const stop = this.latency.startTimer({ peer: peerId, pattern });
    const sent = performance.now();
    try {
      const response = await firstValueFrom(client.send<PeerResponse<P>, PeerRequest<P>>(pattern, request).pipe(timeout({ first: timeoutMs })));
      this.answeredAt.set(peerId, performance.now());
      stop({ outcome: 'ok' });
      return response;
    } catch (err) {
      const mapped = mapError(err, peerId, pattern, timeoutMs);
      stop({ outcome: outcomeOf(mapped) });
      if (mapped instanceof PeerRemoteError) this.answeredAt.set(peerId, performance.now());
      // Nest's client can keep a failed connection attempt cached for a moment
      // after ECONNREFUSED; dropping it makes the next call dial afresh, so a
      // restarted peer is reachable on the very next call. A timeout with no
      // answer at all from the peer since the call was sent is dropped too: after
      // a partition heals, a connection whose packets were dropped waits for
      // TCP's backed-off retransmission (seconds), while a new one works at once.
      const silent = mapped instanceof PeerTimeoutError && (this.answeredAt.get(peerId) ?? -Infinity) < sent;
      if (mapped instanceof PeerUnavailableError || silent) await client.close();
      throw mapped;
    }
  }

  /**
   * Sends a one-way event over the peer's event channel (PeerEventChannel): no
   * answer and no retry. Events lost with a broken connection are dropped, which
   * protocols built for lossy networks (Raft) expect; the next one dials again.
   */
  emit<P extends PeerEventPattern>(peerId: string, pattern: P, payload: PeerEventContract[P]): void {
    const channel = this.channels.get(peerId);
    if (!channel) throw new UnknownPeerError(peerId, pattern);
    channel.send(pattern, payload);
    this.events.inc({ peer: peerId, pattern, outcome: 'sent' });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const channel of this.channels.values()) channel.close();
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}

function outcomeOf(err: PeerError): string {
  if (err instanceof PeerTimeoutError) return 'timeout';
  if (err instanceof PeerUnavailableError) return 'unavailable';
  return 'remote_error';
}

function mapError(err: unknown, peerId: string, pattern: string, timeoutMs: number): PeerError {
  if (err instanceof TimeoutError) return new PeerTimeoutError(peerId, pattern, timeoutMs);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return new PeerUnavailableError(peerId, pattern, code);
  if (err instanceof Error) {
    // Nest's client fails pending calls with this when the socket closes under them.
    if (err.message === 'Connection closed') return new PeerUnavailableError(peerId, pattern, 'connection closed');
    return new PeerUnavailableError(peerId, pattern, err.message);
  }
  // Anything else came back over the wire from the peer's handler.
  const message = (err as { message?: unknown } | null)?.message;
  return new PeerRemoteError(peerId, pattern, typeof message === 'string' ? message : JSON.stringify(err));
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { METRIC_PEER_EVENTS, METRIC_PEER_RPC_SECONDS } from '@dss/metrics';
import type { Counter, Histogram } from 'prom-client';
import { peerErrorCode } from '@dss/http';
import {
  PeerConnectionClosedError,
  PeerRemoteError,
  PeerTimeoutError,
  PeerUnavailableError,
  UnknownPeerError,
  type PeerError,
} from './peer-errors.js';
import type {
  PeerEventContract,
  PeerEventPattern,
  PeerPattern,
  PeerRequest,
  PeerResponse,
} from './peer-rpc-contract.js';
import { PeerConnection } from './peer-connection.js';
import { peerClientTls } from './peer-tls-options.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * One PeerConnection per peer of this role, kept open across calls and events;
 * after a failed connection the next call dials again.
 */
@Injectable()
export class PeerClients implements OnApplicationShutdown {
  private readonly connections = new Map<string, PeerConnection>();
  /** When each peer last answered a call (performance.now()), whatever the answer. */
  private readonly answeredAt = new Map<string, number>();

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    @InjectMetric(METRIC_PEER_RPC_SECONDS) private readonly latency: Histogram<'peer' | 'pattern' | 'outcome'>,
    @InjectMetric(METRIC_PEER_EVENTS) private readonly events: Counter<'peer' | 'pattern' | 'outcome'>,
  ) {
    for (const peer of options.peers) {
      const tls = options.tls ? peerClientTls(options.tls, peer.id) : undefined;
      const broken = () => this.events.inc({ peer: peer.id, pattern: 'any', outcome: 'failed' });
      this.connections.set(peer.id, new PeerConnection(peer.host, peer.peerPort, tls, broken));
    }
  }

  get peerIds(): string[] {
    return [...this.connections.keys()];
  }

  /** Sends `request` to `peerId` and resolves with its typed answer, or rejects with a PeerError. */
  async call<P extends PeerPattern>(
    peerId: string,
    pattern: P,
    request: PeerRequest<P>,
    opts: { timeoutMs?: number } = {},
  ): Promise<PeerResponse<P>> {
    const connection = this.connections.get(peerId);
    if (!connection) throw new UnknownPeerError(peerId, pattern);
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const stop = this.latency.startTimer({ peer: peerId, pattern });
    const sent = performance.now();
    const { id, answer } = connection.request(pattern, request);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        connection.forget(id);
        reject(new PeerTimeoutError(peerId, pattern, timeoutMs));
      }, timeoutMs);
    });
    try {
      // The peer's handler answers with the type the contract names for this pattern.
      const response = (await Promise.race([answer, timedOut])) as PeerResponse<P>;
      this.answeredAt.set(peerId, performance.now());
      stop({ outcome: 'ok' });
      return response;
    } catch (err) {
      const mapped = mapError(err, peerId, pattern);
      stop({ outcome: outcomeOf(mapped) });
      if (mapped instanceof PeerRemoteError) this.answeredAt.set(peerId, performance.now());
      // A timeout with no answer at all from the peer since the call was sent drops the
      // connection: after a partition heals, a connection whose packets were dropped waits
      // for TCP's backed-off retransmission (seconds), while a new one works at once.
      const silent = mapped instanceof PeerTimeoutError && (this.answeredAt.get(peerId) ?? -Infinity) < sent;
      if (silent) connection.close();
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends a one-way event: no answer and no retry. Events lost with a broken
   * connection are dropped, which protocols built for lossy networks (Raft)
   * expect; the next one dials again (after a failed dial, once PEER_REDIAL_INTERVAL_MS
   * has passed: events meanwhile are dropped and counted so). With `flush` it is written at once rather
   * than with the rest of this loop turn's frames (see PeerSocket).
   */
  emit<P extends PeerEventPattern>(
    peerId: string,
    pattern: P,
    payload: PeerEventContract[P],
    opts: { flush?: boolean } = {},
  ): void {
    const connection = this.connections.get(peerId);
    if (!connection) throw new UnknownPeerError(peerId, pattern);
    const sent = connection.emit(pattern, payload, opts.flush);
    this.events.inc({ peer: peerId, pattern, outcome: sent ? 'sent' : 'dropped' });
  }

  onApplicationShutdown(): void {
    for (const connection of this.connections.values()) connection.close();
  }
}

function outcomeOf(err: PeerError): string {
  if (err instanceof PeerTimeoutError) return 'timeout';
  if (err instanceof PeerUnavailableError) return 'unavailable';
  return 'remote_error';
}

function mapError(err: unknown, peerId: string, pattern: string): PeerError {
  if (err instanceof PeerTimeoutError) return err;
  if (err instanceof PeerConnectionClosedError) return new PeerUnavailableError(peerId, pattern, 'connection closed');
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return new PeerUnavailableError(peerId, pattern, code);
  // Errors raised here (toString, not instanceof: node's errors may come from another realm under
  // jest); what the peer's handler threw arrives as a plain object.
  if (
    Object.prototype.toString.call(err) === '[object Error]' &&
    typeof err === 'object' &&
    err !== null &&
    'message' in err &&
    typeof err.message === 'string'
  ) {
    return new PeerUnavailableError(peerId, pattern, err.message);
  }
  // Anything else came back over the wire from the peer's handler (peerErrorAnswer's frame).
  const message = (err as { message?: unknown } | null)?.message;
  return new PeerRemoteError(
    peerId,
    pattern,
    typeof message === 'string' ? message : JSON.stringify(err),
    peerErrorCode(err),
  );
}

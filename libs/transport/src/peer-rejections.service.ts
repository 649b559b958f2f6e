import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { METRIC_PEER_REJECTED } from '@dss/metrics';
import type { Server } from 'node:net';
import type { Counter } from 'prom-client';
import { PEER_MAX_CONNECTIONS, PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

/** Why a peer connection or message was turned away (the `reason` label of dss_peer_rejected_total). */
export type PeerRejectReason = 'handshake' | 'unauthenticated' | 'unknown_peer' | 'spoofed_sender' | 'connection_limit';

/** Logs at most one line per reason this often, so that a flood cannot flood the log too. */
const LOG_EVERY_MS = 10_000;

/** Counts and logs what the peer server refused. */
@Injectable()
export class PeerRejections {
  private readonly logger = new Logger('PeerSecurity');
  private readonly lastLogged = new Map<PeerRejectReason, number>();

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    @InjectMetric(METRIC_PEER_REJECTED) private readonly rejected: Counter<'reason'>,
  ) {}

  record(reason: PeerRejectReason, detail: string): void {
    this.rejected.inc({ reason });
    const now = Date.now();
    if (now - (this.lastLogged.get(reason) ?? 0) < LOG_EVERY_MS) return;
    this.lastLogged.set(reason, now);
    this.logger.warn(
      `peer ${reason}: ${detail} (further ones for ${LOG_EVERY_MS / 1000} s only counted in ${METRIC_PEER_REJECTED})`,
    );
  }

  /** Hooks the peer server once it listens: failed handshakes and refused connections are counted. */
  watch(server: Server): void {
    server.maxConnections = PEER_MAX_CONNECTIONS;
    server.on('drop', (d?: { remoteAddress?: string }) =>
      this.record('connection_limit', `${PEER_MAX_CONNECTIONS} connections open, refused ${d?.remoteAddress ?? '?'}`),
    );
    if (this.options.tls) {
      // With a listener, Node leaves the failed connection open: close it here.
      server.on('tlsClientError', (err: Error, socket: { remoteAddress?: string; destroy(): void }) => {
        this.record('handshake', `${socket.remoteAddress ?? '?'}: ${err.message}`);
        socket.destroy();
      });
    }
  }
}

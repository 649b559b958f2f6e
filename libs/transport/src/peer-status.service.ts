import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { METRIC_PEER_REACHABLE } from '@dss/metrics';
import type { Gauge } from 'prom-client';
import { PeerClients } from './peer-clients.service.js';
import { PEER_PROBE_INTERVAL_MS, PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

export interface PeerStatus {
  readonly id: string;
  readonly host: string;
  readonly httpPort: number;
  readonly peerPort: number;
  readonly reachable: boolean;
  /** Round trip of the ping, when it answered. */
  readonly rttMs?: number;
  /** Why it did not, when it did not. */
  readonly error?: string;
}

/** Pings every peer: on demand for /cluster, and in the background for dss_peer_reachable. */
@Injectable()
export class PeerStatusService implements OnApplicationBootstrap, OnApplicationShutdown {
  private probe?: NodeJS.Timeout;

  constructor(
    @Inject(PEER_TRANSPORT_OPTIONS) private readonly options: PeerTransportOptions,
    private readonly clients: PeerClients,
    @InjectMetric(METRIC_PEER_REACHABLE) private readonly reachable: Gauge<'peer'>,
  ) {}

  async pingAll(timeoutMs = this.options.timeoutMs): Promise<PeerStatus[]> {
    return Promise.all(this.options.peers.map((peer) => this.ping(peer.id, timeoutMs)));
  }

  private async ping(id: string, timeoutMs: number): Promise<PeerStatus> {
    const peer = this.options.peers.find((p) => p.id === id)!;
    const base = { id, host: peer.host, httpPort: peer.httpPort, peerPort: peer.peerPort };
    const started = performance.now();
    try {
      await this.clients.call(id, 'dss.ping', { from: this.options.selfId, role: this.options.role }, { timeoutMs });
      this.reachable.set({ peer: id }, 1);
      return { ...base, reachable: true, rttMs: Math.round((performance.now() - started) * 1000) / 1000 };
    } catch (err) {
      this.reachable.set({ peer: id }, 0);
      return { ...base, reachable: false, error: (err as Error).message };
    }
  }

  onApplicationBootstrap(): void {
    const every = this.options.probeIntervalMs ?? PEER_PROBE_INTERVAL_MS;
    if (every > 0) {
      this.probe = setInterval(() => void this.pingAll(), every);
      this.probe.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.probe);
  }
}

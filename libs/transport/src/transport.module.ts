import { Module, type DynamicModule, type InjectionToken, type OptionalFactoryDependency } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import {
  latencyHistogramProvider,
  METRIC_PEER_EVENTS,
  METRIC_PEER_REACHABLE,
  METRIC_PEER_REJECTED,
  METRIC_PEER_RPC_SECONDS,
} from '@dss/metrics';
import { PeerClients } from './peer-clients.service.js';
import { PeerEvents } from './peer-events.service.js';
import { PeerIdentityGuard } from './peer-identity.guard.js';
import { PeerRejections } from './peer-rejections.service.js';
import { PeerPingController } from './peer-ping.controller.js';
import { PeerStatusService } from './peer-status.service.js';
import { PEER_TRANSPORT_OPTIONS, type PeerTransportOptions } from './transport-options.js';

export interface TransportModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => PeerTransportOptions | Promise<PeerTransportOptions>;
}

const metrics = [
  latencyHistogramProvider({
    name: METRIC_PEER_RPC_SECONDS,
    help: 'Peer RPC round trips by peer, pattern and outcome (ok, timeout, unavailable, remote_error).',
    labelNames: ['peer', 'pattern', 'outcome'],
  }),
  makeCounterProvider({
    name: METRIC_PEER_EVENTS,
    help: 'One-way peer events by peer, pattern and outcome (sent, failed).',
    labelNames: ['peer', 'pattern', 'outcome'],
  }),
  makeCounterProvider({
    name: METRIC_PEER_REJECTED,
    help: 'Peer connections and messages refused, by reason (handshake, unauthenticated, unknown_peer, spoofed_sender, connection_limit).',
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: METRIC_PEER_REACHABLE,
    help: '1 when the peer answered its last ping, 0 when it did not.',
    labelNames: ['peer'],
  }),
];

/**
 * Peer RPC for one role: clients to every peer (PeerClients), the ping
 * handler, reachability (PeerStatusService), and peer authentication (a
 * global guard that checks every peer message's sender, PeerRejections for
 * the server's refused handshakes). The TCP server itself is attached by the
 * app with `connectMicroservice(peerServerOptions(..., app.get(PeerEvents)))`, then
 * `PeerRejections.watch(server)`.
 * Needs MetricsModule (global) for its metrics.
 */
@Module({})
export class TransportModule {
  private static build(
    optionsProvider: DynamicModule['providers'],
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    return {
      module: TransportModule,
      global: true,
      imports,
      controllers: [PeerPingController],
      providers: [
        ...(optionsProvider ?? []),
        ...metrics,
        PeerClients,
        PeerEvents,
        PeerStatusService,
        PeerRejections,
        { provide: APP_GUARD, useClass: PeerIdentityGuard },
      ],
      exports: [PEER_TRANSPORT_OPTIONS, PeerClients, PeerEvents, PeerStatusService, PeerRejections],
    };
  }

  static forRoot(options: PeerTransportOptions): DynamicModule {
    return this.build([{ provide: PEER_TRANSPORT_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: TransportModuleAsyncOptions): DynamicModule {
    return this.build(
      [{ provide: PEER_TRANSPORT_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory }],
      options.imports,
    );
  }
}

import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { RaftLifecycle } from './raft-lifecycle.service.js';
import { raftMetricProviders } from './raft-metrics.js';
import { raftNodeProvider } from './raft-node.provider.js';
import { RaftPeerReceiver } from './raft-peer-receiver.js';
import { RAFT_MODULE_OPTIONS, RAFT_NODE, type RaftModuleAsyncOptions, type RaftModuleOptions } from './raft-options.js';

/**
 * A Raft node in a Nest app: storage in its data dir, peer messages over
 * TransportModule (which must be imported, global), metrics through
 * MetricsModule. Inject RAFT_NODE to propose and read.
 */
@Module({})
export class RaftModule {
  private static build(options: Provider, imports: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: RaftModule,
      imports,
      providers: [options, ...raftMetricProviders, raftNodeProvider, RaftPeerReceiver, RaftLifecycle],
      exports: [RAFT_NODE],
    };
  }

  static forRoot(options: RaftModuleOptions): DynamicModule {
    return this.build({ provide: RAFT_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: RaftModuleAsyncOptions): DynamicModule {
    return this.build(
      { provide: RAFT_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
      options.imports,
    );
  }
}

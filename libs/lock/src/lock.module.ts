import { Module, type DynamicModule } from '@nestjs/common';
import type { NodeConfig } from '@dss/config';
import { RaftModule } from '@dss/raft';
import { lockMetricProviders } from './lock-metrics.js';
import { LockForwards } from './lock-forwards.service.js';
import { LockStateMachine } from './lock-state-machine.js';
import { LockStatus } from './lock-status.service.js';
import { LockTimers } from './lock-timers.service.js';
import { LockWaits } from './lock-waits.service.js';
import { LockController } from './lock.controller.js';
import { LockService } from './lock.service.js';
import { RedisFailover } from './redis/redis-failover.service.js';
import { redisMetricProviders } from './redis/redis-metrics.js';
import { RedisTopologyController } from './redis/redis-topology.controller.js';

export interface LockModuleOptions {
  /** Raft tick; the election timeout is 10-20 ticks. */
  readonly tickMs?: number;
  readonly snapshotEntries?: number;
}

/**
 * The lock role: the lock table replicated by Raft across the lock nodes of
 * the cluster, the HTTP API, forwarding to the leader and the leader's lease
 * clocks, and - with a raft-managed Redis - the Redis failover (docs/redis-failover.md). Needs ConfigModule, TransportModule and MetricsModule (all global).
 */
@Module({})
export class LockModule {
  static forRoot(config: NodeConfig, options: LockModuleOptions = {}): DynamicModule {
    const redis = config.cluster.redis;
    const machine = new LockStateMachine(redis?.mode === 'raft' ? redis.nodes.map((n) => n.id) : []);
    return {
      module: LockModule,
      imports: [
        RaftModule.forRoot({
          id: config.self.id,
          members: [config.self.id, ...config.peers.map((p) => p.id)],
          dataDir: config.settings.dataDir,
          stateMachine: machine,
          tickMs: options.tickMs,
          snapshotEntries: options.snapshotEntries,
        }),
      ],
      controllers: [LockController, RedisTopologyController],
      providers: [
        { provide: LockStateMachine, useValue: machine },
        ...lockMetricProviders,
        ...redisMetricProviders,
        LockTimers,
        LockWaits,
        LockService,
        LockForwards,
        LockStatus,
        RedisFailover,
      ],
      exports: [LockService, LockStatus],
    };
  }
}

import { Global, Module } from '@nestjs/common';
import { RedisTopologyWatcher } from './redis-topology-watcher.service.js';

/** The Redis topology as the queue and cache daemons learn it from the lock nodes. Needs ConfigModule (global). */
@Global()
@Module({ providers: [RedisTopologyWatcher], exports: [RedisTopologyWatcher] })
export class RedisTopologyModule {}

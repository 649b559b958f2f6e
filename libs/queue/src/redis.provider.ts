import type { Provider } from '@nestjs/common';
import { createRedisClient, DSS_CONFIG, type NodeConfig } from '@dss/config';

export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

export const redisProvider: Provider = {
  provide: QUEUE_REDIS,
  inject: [DSS_CONFIG],
  useFactory: (config: NodeConfig) => createRedisClient(config, 'queue'),
};

import { Module, type DynamicModule } from '@nestjs/common';
import { QUEUE_ROUTES, QueueModule, QueueStatus } from '@dss/queue';
import { ROLE_STATUS, type RolePlugin } from './role-plugin.js';

/** The queue role: QueueModule with its status as the role's. */
@Module({})
export class QueueRoleModule {
  static forRoot(): DynamicModule {
    return {
      module: QueueRoleModule,
      imports: [QueueModule.forRoot()],
      providers: [{ provide: ROLE_STATUS, useExisting: QueueStatus }],
      exports: [ROLE_STATUS],
    };
  }
}

export const queueRole: RolePlugin = {
  name: 'queue',
  summary: 'at-least-once message queue, topics placed by consistent hashing, stored in Redis',
  module: () => QueueRoleModule.forRoot(),
  routes: QUEUE_ROUTES,
};

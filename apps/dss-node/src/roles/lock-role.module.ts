import { Module, type DynamicModule } from '@nestjs/common';
import type { NodeConfig } from '@dss/config';
import { LOCK_ROUTES, LockModule, LockStatus } from '@dss/lock';
import { ROLE_STATUS, type RolePlugin } from './role-plugin.js';

/** The lock role: LockModule (Raft-replicated lock table) with its status as the role's. */
@Module({})
export class LockRoleModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: LockRoleModule,
      imports: [LockModule.forRoot(config)],
      providers: [{ provide: ROLE_STATUS, useExisting: LockStatus }],
      exports: [ROLE_STATUS],
    };
  }
}

export const lockRole: RolePlugin = {
  name: 'lock',
  summary: 'linearizable distributed locks replicated by Raft',
  module: (config) => LockRoleModule.forRoot(config),
  routes: LOCK_ROUTES,
};

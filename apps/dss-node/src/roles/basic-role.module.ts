import { Module, type DynamicModule } from '@nestjs/common';
import { ROLE_STATUS, type RoleStatus } from './role-plugin.js';

/**
 * The module of a role whose service keeps no state of its own yet: ready as
 * soon as the process serves, nothing more to add to /cluster. Each role's
 * library (libs/lock, libs/queue, libs/cache) replaces it with its own module,
 * which provides ROLE_STATUS from its service (Raft state, ring ownership).
 */
@Module({})
export class BasicRoleModule {
  static forRoot(role: string): DynamicModule {
    const status: RoleStatus = { ready: () => true, describe: () => ({ service: role }) };
    return { module: BasicRoleModule, providers: [{ provide: ROLE_STATUS, useValue: status }], exports: [ROLE_STATUS] };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { CACHE_ROUTES, CacheModule, CacheStatus } from '@dss/cache';
import { ROLE_STATUS, type RolePlugin } from './role-plugin.js';

/** The cache role: CacheModule with its status as the role's. */
@Module({})
export class CacheRoleModule {
  static forRoot(): DynamicModule {
    return {
      module: CacheRoleModule,
      imports: [CacheModule.forRoot()],
      providers: [{ provide: ROLE_STATUS, useExisting: CacheStatus }],
      exports: [ROLE_STATUS],
    };
  }
}

export const cacheRole: RolePlugin = {
  name: 'cache',
  summary: 'coherent distributed cache: MESI with a home directory per key, LRU, write-back to Redis',
  module: () => CacheRoleModule.forRoot(),
  routes: CACHE_ROUTES,
};

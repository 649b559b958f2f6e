import { BasicRoleModule } from './basic-role.module.js';
import { lockRole } from './lock-role.module.js';
import { queueRole } from './queue-role.module.js';
import type { RolePlugin } from './role-plugin.js';
import { RoleRegistry } from './role-registry.js';

export const cacheRole: RolePlugin = {
  name: 'cache',
  summary: 'coherent distributed cache (MESI, LRU, write-back to Redis)',
  module: () => BasicRoleModule.forRoot('cache'),
};

/** The roles this daemon ships with. */
export function defaultRoleRegistry(): RoleRegistry {
  return new RoleRegistry([lockRole, queueRole, cacheRole]);
}

import { cacheRole } from './cache-role.module.js';
import { lockRole } from './lock-role.module.js';
import { queueRole } from './queue-role.module.js';
import { RoleRegistry } from './role-registry.js';

/** The roles this daemon ships with. */
export function defaultRoleRegistry(): RoleRegistry {
  return new RoleRegistry([lockRole, queueRole, cacheRole]);
}

import { CACHE_ROUTES, CacheModule, CacheStatus } from '@dss/cache';
import { LOCK_ROUTES, LockModule, LockStatus } from '@dss/lock';
import { QUEUE_ROUTES, QueueModule, QueueStatus } from '@dss/queue';
import { defineRole } from './role-plugin.js';
import { RoleRegistry } from './role-registry.js';

/** Linearizable locks: LockModule (a Raft-replicated lock table). */
export const lockRole = defineRole({
  name: 'lock',
  summary: 'linearizable distributed locks replicated by Raft',
  imports: (config) => LockModule.forRoot(config),
  status: LockStatus,
  routes: LOCK_ROUTES,
});

/** The queue: QueueModule. */
export const queueRole = defineRole({
  name: 'queue',
  summary: 'at-least-once message queue, topics placed by consistent hashing, stored in Redis',
  imports: () => QueueModule.forRoot(),
  status: QueueStatus,
  routes: QUEUE_ROUTES,
});

/** The cache: CacheModule. */
export const cacheRole = defineRole({
  name: 'cache',
  summary: 'coherent distributed cache: MESI with a home directory per key, LRU, write-back to Redis',
  imports: () => CacheModule.forRoot(),
  status: CacheStatus,
  routes: CACHE_ROUTES,
});

/** The roles this daemon ships with. */
export function defaultRoleRegistry(): RoleRegistry {
  return new RoleRegistry([lockRole, queueRole, cacheRole]);
}

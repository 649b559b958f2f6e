// The settings every Redis server of a `raft` deployment runs with, besides its
// address and directory (docs/redis-failover.md has the table and the why). The
// local launcher and the fault-injection harness write these; Ansible's
// redis.conf template writes the same.

/** No `replicaof` among them: only the lock leader attaches a server, to the primary of the current epoch. */
export const REDIS_FAILOVER_SETTINGS: readonly (readonly [string, string])[] = [
  ['min-replicas-to-write', '1'],
  ['min-replicas-max-lag', '2'],
  ['repl-diskless-sync', 'yes'],
  ['repl-diskless-sync-delay', '0'],
  ['appendonly', 'yes'],
  ['appendfsync', 'everysec'],
];

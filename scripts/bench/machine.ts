// The "machine:" line every benchmark prints and records with its figures,
// and the Redis version a comparison ran against.
import type { Redis } from 'ioredis';
import { cpus, totalmem } from 'node:os';

/** "2 × AMD EPYC ..., 24 GiB, Node v20.20.2", then each of `extras` that is set. */
export function machineLine(...extras: readonly (string | null | undefined)[]): string {
  const cpu = cpus();
  const parts = [
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
  ];
  return [...parts, ...extras.filter((e): e is string => !!e)].join(', ');
}

/** "Redis 7.0.15 (AOF on)", from INFO. */
export async function redisVersion(redis: Redis): Promise<string> {
  const info = `${await redis.info('server')}\n${await redis.info('persistence')}`;
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  return `Redis ${field('redis_version') ?? '?'} (AOF ${field('aof_enabled') === '1' ? 'on' : 'off'})`;
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localClusterDescription } from '@dss/config/pure';
import { localPaths } from './paths.js';
import {
  isRedisApp,
  leftoverStandaloneData,
  raftRedisArgs,
  redisAddresses,
  redisApps,
  redisModeFromEnv,
  REDIS_RESTART_DELAY_MS,
} from './redis-apps.js';

describe('the local Redis servers as PM2 apps', () => {
  const home = mkdtempSync(join(tmpdir(), 'dss-redis-apps-'));
  const paths = localPaths({ DSS_HOME: home });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs three servers in raft mode, each in its own dir, with the settings of docs/redis-failover.md and a delayed restart', () => {
    const apps = redisApps(localClusterDescription({ offset: 100, redis: 'raft' }), paths, '/usr/bin/redis-server');
    expect(apps.map((a) => a.name)).toEqual(['dss-redis-node1', 'dss-redis-node2', 'dss-redis-node3']);
    const args = apps[1]!.args;
    const setting = (name: string) => args[args.indexOf(`--${name}`) + 1];
    expect(setting('port')).toBe('6480');
    expect(setting('dir')).toBe(join(home, 'redis', 'node2'));
    expect(
      Object.fromEntries(
        [
          'min-replicas-to-write',
          'min-replicas-max-lag',
          'repl-diskless-sync',
          'repl-diskless-sync-delay',
          'appendonly',
          'appendfsync',
          'replica-announce-ip',
        ].map((k) => [k, setting(k)]),
      ),
    ).toEqual({
      'min-replicas-to-write': '1',
      'min-replicas-max-lag': '2',
      'repl-diskless-sync': 'yes',
      'repl-diskless-sync-delay': '0',
      appendonly: 'yes',
      appendfsync: 'everysec',
      'replica-announce-ip': '127.0.0.1',
    });
    expect(args.some((a) => /replicaof|slaveof/.test(a))).toBe(false);
    expect(apps[0]).toMatchObject({
      autorestart: true,
      restart_delay: REDIS_RESTART_DELAY_MS,
      interpreter: 'none',
      out_file: join(home, 'logs', 'dss-redis-node1.out.log'),
    });
    expect(raftRedisArgs(7000, '/d').slice(0, 4)).toEqual(['--port', '7000', '--bind', '127.0.0.1']);
  });

  it('runs one dss-redis in standalone mode', () => {
    const apps = redisApps(localClusterDescription({ offset: 100 }), paths, '/usr/bin/redis-server');
    expect(apps.map((a) => [a.name, a.args[1]])).toEqual([['dss-redis', '6479']]);
  });

  it('tells Redis servers from the other apps', () => {
    expect(
      ['dss-redis', 'dss-redis-node1', 'dss-redis-node12', 'dss-redis-exporter', 'dss-lock-node1'].filter(isRedisApp),
    ).toEqual(['dss-redis', 'dss-redis-node1', 'dss-redis-node12']);
  });

  it("finds the data an older single Redis left in .dss/redis, not the servers' own dirs", () => {
    mkdirSync(join(paths.redisDir, 'node1', 'appendonlydir'), { recursive: true });
    expect(leftoverStandaloneData(paths)).toEqual([]);
    mkdirSync(join(paths.redisDir, 'appendonlydir'));
    writeFileSync(join(paths.redisDir, 'dump.rdb'), '');
    expect(leftoverStandaloneData(paths)).toEqual([
      join(paths.redisDir, 'appendonlydir'),
      join(paths.redisDir, 'dump.rdb'),
    ]);
  });

  it('reads DSS_REDIS_MODE, raft by default', () => {
    expect(redisModeFromEnv({})).toBe('raft');
    expect(redisModeFromEnv({ DSS_REDIS_MODE: 'standalone' })).toBe('standalone');
    expect(() => redisModeFromEnv({ DSS_REDIS_MODE: 'sentinel' })).toThrow(
      'DSS_REDIS_MODE must be one of standalone, raft, got "sentinel"',
    );
  });

  it('lists the addresses', () => {
    expect(redisAddresses(localClusterDescription({ redis: 'raft' }))).toBe('127.0.0.1:6379, 6380, 6381');
    expect(redisAddresses(localClusterDescription({}))).toBe('127.0.0.1:6379');
  });
});

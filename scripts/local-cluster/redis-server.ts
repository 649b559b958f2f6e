import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SEARCH_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin'];

/** Full path of an executable on PATH (or in the usual system dirs), if any. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export const INSTALL_HINT = [
  'DSS needs redis-server (Redis 6.2 or newer) and could not install it by itself.',
  'Install it, then run npm start again:',
  '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y redis-server',
  '  Fedora/RHEL:    sudo dnf install -y redis',
  '  macOS:          brew install redis',
].join('\n');

/**
 * Finds redis-server, installing it with apt when it is missing and we may
 * (root, apt-get present). Otherwise throws with the exact command to run.
 */
export function ensureRedisServer(log: (line: string) => void): string {
  const found = findExecutable('redis-server');
  if (found) return found;
  const apt = findExecutable('apt-get');
  if (process.getuid?.() === 0 && apt) {
    log('redis-server is missing: installing it with apt-get (Debian package redis-server)...');
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server']]) {
      const res = spawnSync(apt, args, {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (res.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${res.status}).\n${INSTALL_HINT}`);
    }
    // The Debian package starts its own service on 6379; ours runs under PM2 on its own data dir.
    spawnSync('systemctl', ['disable', '--now', 'redis-server'], { stdio: 'ignore' });
    const installed = findExecutable('redis-server');
    if (installed) return installed;
  }
  throw new Error(INSTALL_HINT);
}

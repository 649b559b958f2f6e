import { findExecutable } from '../../scripts/local-cluster/redis-server.js';

/**
 * A tool a suite needs (promtool, prometheus, ...): its path, or undefined
 * when it is missing and the suite may skip. In CI a missing tool fails the
 * suite instead: .ci/run installs it, so missing means broken.
 */
export function requiredTool(name: string): string | undefined {
  const found = findExecutable(name);
  if (!found && process.env.CI) throw new Error(`${name} is missing, and CI must run this suite (.ci/run installs it)`);
  if (!found)
    process.stderr.write(
      `SKIPPED: ${name} is not installed (Debian: apt-get install prometheus); CI runs this suite.\n`,
    );
  return found;
}

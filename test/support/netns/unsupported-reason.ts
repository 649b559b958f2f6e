import { spawnSync } from 'node:child_process';
import { findExecutable } from '../../../scripts/local-cluster/redis-server.js';

const TOOLS: readonly (readonly [string, string])[] = [
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
];

/** Why netns tests cannot run here (not Linux, not root, no ip/sshd), or undefined when they can. */
export function netnsUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces, bridges and sshd on port 22 need root';
  for (const [tool, pkg] of TOOLS) {
    if (!findExecutable(tool)) return `${tool} is not installed (Debian: apt-get install ${pkg})`;
  }
  // Root in a container may still lack CAP_SYS_ADMIN/CAP_NET_ADMIN or bridge/veth support:
  // try it in a throwaway namespace, which vanishes with the probe and touches nothing here.
  const probe = spawnSync('unshare', ['--net', '--', 'ip', '-batch', '-'], {
    input: 'link add probebr0 type bridge\nlink add probev0 type veth peer name probev1\n',
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.status !== 0)
    return `cannot create a network namespace with a bridge and veths: ${(probe.stderr || String(probe.error ?? '')).trim()}`;
  return undefined;
}

// Every kernel object the harness creates is named from the prefix, so a later
// run can find and remove what a crashed one left, without touching anything else.

/** Linux interface names are at most 15 bytes; prefix + 'br0' / 'v<n>' must fit. */
const PREFIX = /^[a-z][a-z0-9]{0,9}$/;

export function checkPrefix(prefix: string): void {
  if (!PREFIX.test(prefix))
    throw new Error(`netns prefix must match ${PREFIX} (interface names are at most 15 chars), got '${prefix}'`);
}

export const hostName = (index: number): string => `vm${index}`;
export const nsName = (prefix: string, index: number): string => `${prefix}-${hostName(index)}`;
export const bridgeName = (prefix: string): string => `${prefix}br0`;
/** Root-namespace end of host <index>'s veth pair; the namespace end is called eth0, as on a VM. */
export const vethName = (prefix: string, index: number): string => `${prefix}v${index}`;

export const isOurNs = (prefix: string, name: string): boolean => new RegExp(`^${prefix}-vm\\d+$`).test(name);
export const isOurLink = (prefix: string, name: string): boolean => new RegExp(`^${prefix}(br0|v\\d+)$`).test(name);

/** The only root-namespace iptables rule: lets bridged frames between the hosts through FORWARD. */
export function forwardRule(prefix: string): string[] {
  const br = bridgeName(prefix);
  return ['FORWARD', '-i', br, '-o', br, '-m', 'comment', '--comment', `${prefix} netns bridge`, '-j', 'ACCEPT'];
}

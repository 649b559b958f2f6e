import { readFile, writeFile } from 'node:fs/promises';
import { findExecutable } from '../../../scripts/local-cluster/redis-server.js';
import { ipv4Addresses, ipv4RouteDestinations } from './ip-json.js';
import { bridgeName, forwardRule, vethName } from './names.js';
import { runOk } from './run-command.js';
import type { TestHost } from './types.js';

/** The subnet must be ours alone: an address or route in it elsewhere would send test traffic out. */
export async function checkSubnetFree(subnet: string): Promise<void> {
  const inSubnet = (addr: string): boolean => addr.startsWith(`${subnet}.`);
  const addr = (await ipv4Addresses()).find((a) => inSubnet(a.local));
  if (addr)
    throw new Error(
      `${subnet}.0/24 is already in use: ${addr.local} on ${addr.ifname} (another NetnsHosts with a different prefix?)`,
    );
  const route = (await ipv4RouteDestinations()).find(inSubnet);
  if (route) throw new Error(`${subnet}.0/24 is already routed (${route}); pick another subnet`);
}

/** Writes a sysctl of one interface; absent (no IPv6 in this kernel) is fine. */
async function setSysctl(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function bridgeNetfilterOn(): Promise<boolean> {
  try {
    return (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8')).trim() === '1';
  } catch {
    return false; // br_netfilter not loaded: bridged frames never see iptables
  }
}

/**
 * The bridge the hosts share, with the root namespace's address on it. The root
 * namespace must only ever be an endpoint here, never a router: forwarding off on
 * the bridge (even if ip_forward is on globally, e.g. with Docker), no NAT, no IPv6.
 */
export async function setUpBridge(prefix: string, bridgeAddress: string): Promise<void> {
  const br = bridgeName(prefix);
  // A fixed MAC: otherwise the bridge takes the lowest MAC of its ports, changing it
  // as hosts are plugged in, and a host's ARP entry for the root namespace goes stale.
  const mac = ['02', '00', ...bridgeAddress.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
  await runOk('ip', ['link', 'add', br, 'address', mac, 'type', 'bridge', 'forward_delay', '0']);
  await setSysctl(`/proc/sys/net/ipv4/conf/${br}/forwarding`, '0');
  await setSysctl(`/proc/sys/net/ipv6/conf/${br}/disable_ipv6`, '1');
  await runOk('ip', ['addr', 'add', `${bridgeAddress}/24`, 'dev', br]);
  await runOk('ip', ['link', 'set', br, 'up']);
  // With br_netfilter, frames between two ports of the bridge pass the root FORWARD
  // chain, where a DROP policy (Docker sets one) would cut the hosts off from each other.
  const iptables = findExecutable('iptables');
  if (iptables && (await bridgeNetfilterOn())) await runOk(iptables, ['-w', '-I', ...forwardRule(prefix)]);
}

/** A namespace plugged into the bridge: eth0 with the host's address, lo, default route via the bridge. */
export async function setUpHost(prefix: string, index: number, host: TestHost, bridgeAddress: string): Promise<void> {
  const veth = vethName(prefix, index);
  const inNs = (...args: string[]): Promise<string> => runOk('ip', ['-n', host.ns, ...args]);
  await runOk('ip', ['netns', 'add', host.ns]);
  await runOk('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns]);
  await setSysctl(`/proc/sys/net/ipv6/conf/${veth}/disable_ipv6`, '1');
  await runOk('ip', ['link', 'set', veth, 'master', bridgeName(prefix), 'up']);
  await inNs('link', 'set', 'lo', 'up');
  await inNs('addr', 'add', `${host.address}/24`, 'dev', 'eth0');
  await inNs('link', 'set', 'eth0', 'up');
  await inNs('route', 'add', 'default', 'via', bridgeAddress);
}

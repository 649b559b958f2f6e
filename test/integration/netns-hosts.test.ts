import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsHosts, TIMEOUT_CODE, netnsUnsupportedReason } from '../support/netns/index.js';

// The harness the deployment e2e test runs Ansible against: network namespaces
// on a bridge, each with its own sshd, standing in for vm1..vm3.

const reason = netnsUnsupportedReason();
if (reason && process.env.CI)
  throw new Error(`netns test hosts are unsupported here, and CI must run this suite: ${reason}`);
if (reason) process.stderr.write(`SKIPPED: ${reason}\n`);
// Without root or off Linux (a developer laptop) the suite reports itself skipped; CI fails above instead.
const suite = reason ? describe.skip : describe;

// Not the defaults: the deployment e2e suite uses those and may run alongside this one.
const PREFIX = 'dssnt';
const SUBNET = '192.168.59';

/** Root-namespace iptables rules that name our prefix (the bridge's FORWARD accept, when br_netfilter is on). */
function ourIptablesRules(): string[] {
  return spawnSync('iptables', ['-w', '-S'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(PREFIX));
}

function bridgeNetfilterOn(): boolean {
  try {
    return readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

function leftovers(workDir: string): { namespaces: string[]; links: string[]; sshd: string; rules: string[] } {
  const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith(`${PREFIX}-`));
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => (l.split(':')[1] ?? '').trim())
    .filter((n) => n.startsWith(PREFIX));
  // pgrep directly, not through a shell whose own command line would match.
  const sshd = spawnSync('pgrep', ['-af', workDir], { encoding: 'utf8' }).stdout.trim();
  return { namespaces, links, sshd, rules: ourIptablesRules() };
}

const nothingLeft = { namespaces: [], links: [], sshd: '', rules: [] };

suite('netns test hosts', () => {
  jest.setTimeout(30_000);
  let workDir = '';
  let hosts: NetnsHosts | undefined;
  let others: NetnsHosts[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'dss-netns-'));
    hosts = await NetnsHosts.create({ prefix: PREFIX, subnet: SUBNET, workDir });
  });

  afterAll(async () => {
    // Whatever failed, nothing of ours may outlive the suite; cleanup() also covers a create() that threw.
    try {
      await Promise.allSettled([hosts?.destroy(), ...others.map((h) => h.destroy())]);
      await NetnsHosts.cleanup(PREFIX);
    } finally {
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }
  });

  const live = (): NetnsHosts => {
    if (!hosts) throw new Error('NetnsHosts.create failed');
    return hosts;
  };

  it('creates vm1..vm3 at .11-.13 on a bridge at .1', () => {
    expect(live().hosts).toEqual([
      { name: 'vm1', ns: `${PREFIX}-vm1`, address: `${SUBNET}.11` },
      { name: 'vm2', ns: `${PREFIX}-vm2`, address: `${SUBNET}.12` },
      { name: 'vm3', ns: `${PREFIX}-vm3`, address: `${SUBNET}.13` },
    ]);
    expect(live().bridgeAddress).toBe(`${SUBNET}.1`);
    expect(live().sshOptions()).toEqual(
      expect.arrayContaining([
        '-i',
        live().privateKeyPath,
        `UserKnownHostsFile=${live().knownHostsPath}`,
        'StrictHostKeyChecking=yes',
      ]),
    );
  });

  it('logs in over ssh to each host, which has its own address', async () => {
    const results = await Promise.all(live().hosts.map((h) => live().ssh(h.name, 'ip -4 addr')));
    for (const [i, host] of live().hosts.entries()) {
      const res = results[i]!;
      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toContain(`inet ${host.address}/24`);
      for (const other of live().hosts.filter((h) => h !== host))
        expect(res.stdout).not.toContain(`inet ${other.address}/`);
    }
  });

  it("runs commands without root's ~/.bashrc, as on a fresh host (bash sources it for sshd only at SHLVL 1)", async () => {
    // The shell sshd starts sees SHLVL=1 from the config and counts itself level 2.
    expect(await live().ssh('vm1', 'echo "$SHLVL"')).toMatchObject({ code: 0, stdout: '2\n' });
  });

  it('lets every host reach every other host and the root namespace', async () => {
    const pairs = live().hosts.flatMap((from) =>
      live()
        .hosts.filter((to) => to !== from)
        .map((to) => ({ from, to })),
    );
    const connects = await Promise.all(
      pairs.map(async ({ from, to }) => {
        const res = await live().ssh(from.name, `timeout 5 bash -c 'echo > /dev/tcp/${to.address}/22'`);
        return { from: from.name, to: to.name, code: res.code, stderr: res.stderr };
      }),
    );
    expect(connects).toEqual(pairs.map(({ from, to }) => ({ from: from.name, to: to.name, code: 0, stderr: '' })));
    // The root namespace is reachable at the bridge address (replies route back via the bridge).
    let accepted = 0;
    const server: Server = createServer((sock) => {
      accepted++;
      sock.destroy(); // an unread socket would never end, and close() would wait for it
    });
    await new Promise<void>((resolve) => server.listen(0, live().bridgeAddress, resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await live().ssh('vm2', `timeout 5 bash -c 'echo > /dev/tcp/${live().bridgeAddress}/${port}'`);
      expect(res).toMatchObject({ code: 0 });
      expect(accepted).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never makes the root namespace a router for the hosts', () => {
    expect(readFileSync(`/proc/sys/net/ipv4/conf/${PREFIX}br0/forwarding`, 'utf8').trim()).toBe('0');
    const nat = spawnSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).stdout;
    expect(nat).not.toContain(SUBNET);
    // At most the accept for frames between bridge ports, never anything leaving the bridge.
    const rules = ourIptablesRules();
    if (bridgeNetfilterOn()) expect(rules).toHaveLength(1);
    for (const rule of rules)
      expect(rule).toMatch(new RegExp(`^-A FORWARD -i ${PREFIX}br0 -o ${PREFIX}br0 .*-j ACCEPT$`));
  });

  it('runs what ssh starts in that host namespace', async () => {
    const rootNs = readlinkSync('/proc/self/ns/net');
    const seen = await Promise.all(
      live().hosts.map(async (host) => {
        const viaSsh = await live().ssh(host.name, 'readlink /proc/self/ns/net');
        const viaExec = await live().exec(host.name, ['readlink', '/proc/self/ns/net']);
        expect(viaSsh.code).toBe(0);
        expect(viaSsh.stdout.trim()).toBe(viaExec.stdout.trim());
        expect(viaSsh.stdout.trim()).not.toBe(rootNs);
        return viaSsh.stdout.trim();
      }),
    );
    expect(new Set(seen).size).toBe(live().hosts.length);
  });

  it('passes env to exec and kills a command that outlives its timeout', async () => {
    const env = await live().exec('vm1', ['sh', '-c', 'echo "$NETNS_PROBE"'], {
      env: { ...process.env, NETNS_PROBE: 'here' },
    });
    expect(env).toMatchObject({ code: 0, stdout: 'here\n' });
    const started = Date.now();
    const slow = await live().exec('vm1', ['sleep', '20'], { timeoutMs: 300 });
    expect(slow.code).toBe(TIMEOUT_CODE);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a subnet that is already on an interface, leaving nothing behind', async () => {
    await expect(NetnsHosts.create({ prefix: 'dssntx', subnet: SUBNET, workDir })).rejects.toThrow(
      `${SUBNET}.0/24 is already in use`,
    );
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain('dssntx');
  });

  it('destroys everything, idempotently, and re-creates cleanly after a crashed run', async () => {
    await live().destroy();
    expect(leftovers(workDir)).toEqual(nothingLeft);
    await live().destroy();

    // A run that "crashed" (never destroyed) is cleared by the next create() with the same prefix.
    const crashed = await NetnsHosts.create({ prefix: PREFIX, subnet: SUBNET, workDir, count: 2 });
    others.push(crashed);
    for (let round = 0; round < 2; round++) {
      const again = await NetnsHosts.create({ prefix: PREFIX, subnet: SUBNET, workDir });
      others.push(again);
      expect(await again.ssh('vm3', 'true')).toMatchObject({ code: 0 });
      await again.destroy();
      expect(leftovers(workDir)).toEqual(nothingLeft);
    }
    others = [];
  });
});

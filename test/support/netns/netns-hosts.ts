import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupPrefix, cleanupPrefixSync } from './cleanup.js';
import { checkPrefix, hostName, nsName } from './names.js';
import { checkSubnetFree, setUpBridge, setUpHost } from './network.js';
import { run } from './run-command.js';
import { generateKey, sshdFiles, startSshd, waitForSsh, writeSshdConfig } from './sshd.js';
import {
  DEFAULT_COUNT,
  DEFAULT_PREFIX,
  DEFAULT_SUBNET,
  type CommandResult,
  type ExecOptions,
  type NetnsOptions,
  type TestHost,
} from './types.js';

const SUBNET = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const FIRST_HOST_OCTET = 11; // vm1 = .11, as in ansible/inventory/vagrant.yml

function checkOptions(prefix: string, subnet: string, count: number): void {
  checkPrefix(prefix);
  const m = SUBNET.exec(subnet);
  if (!m || m.slice(1).some((o) => Number(o) > 255))
    throw new Error(`subnet must be three octets like '192.168.56', got '${subnet}'`);
  if (!Number.isInteger(count) || count < 1 || count > 254 - FIRST_HOST_OCTET)
    throw new Error(`count must be 1..${254 - FIRST_HOST_OCTET}, got ${count}`);
}

/**
 * Stand-ins for the deployment's VMs on one Linux machine: a network namespace
 * per host on a private bridge, each with its own sshd that accepts the
 * controller key for root (and for any other local user, as one key file serves
 * all). All hosts share this machine's filesystem.
 */
export class NetnsHosts {
  private destroying: Promise<void> | undefined;
  // jest may exit without afterAll (bail, worker crash short of SIGKILL): reap synchronously then.
  private readonly reapOnExit = (): void => cleanupPrefixSync(this.prefix);

  private constructor(
    private readonly prefix: string,
    readonly hosts: readonly TestHost[],
    readonly bridgeAddress: string,
    readonly privateKeyPath: string,
    readonly knownHostsPath: string,
    private readonly sessionEnv: NetnsOptions['sessionEnv'],
  ) {
    process.once('exit', this.reapOnExit);
  }

  /** Builds the hosts after clearing whatever an earlier run with this prefix left; on failure removes what it built. */
  static async create(opts: NetnsOptions): Promise<NetnsHosts> {
    const prefix = opts.prefix ?? DEFAULT_PREFIX;
    const subnet = opts.subnet ?? DEFAULT_SUBNET;
    const count = opts.count ?? DEFAULT_COUNT;
    checkOptions(prefix, subnet, count);
    await cleanupPrefix(prefix);

    const dir = join(opts.workDir, 'netns');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const hosts = Array.from({ length: count }, (_, i): TestHost => ({
      name: hostName(i + 1),
      ns: nsName(prefix, i + 1),
      address: `${subnet}.${FIRST_HOST_OCTET + i}`,
    }));
    const self = new NetnsHosts(
      prefix,
      hosts,
      `${subnet}.1`,
      join(dir, 'id_ed25519'),
      join(dir, 'known_hosts'),
      opts.sessionEnv,
    );
    try {
      await checkSubnetFree(subnet);
      await self.setUp(dir);
      return self;
    } catch (err: unknown) {
      await self.destroy().catch((cleanupErr: unknown) => {
        throw new Error(`${String(err)}; cleanup failed too: ${String(cleanupErr)}`, { cause: err });
      });
      throw err;
    }
  }

  /** What destroy() does, without an instance: for an afterAll whose create() never returned. */
  static cleanup(prefix: string = DEFAULT_PREFIX): Promise<void> {
    checkPrefix(prefix);
    return cleanupPrefix(prefix);
  }

  private async setUp(dir: string): Promise<void> {
    const authorizedKeys = join(dir, 'authorized_keys');
    const files = this.hosts.map((h) => sshdFiles(dir, h));
    await Promise.all(files.map((f) => mkdir(f.dir, { recursive: true })));
    const [controllerKey, ...hostKeys] = await Promise.all([
      generateKey(this.privateKeyPath, `${this.prefix}-controller`),
      ...this.hosts.map((h, i) => generateKey(files[i]!.hostKey, `${h.name}-host`)),
    ]);
    await writeFile(authorizedKeys, `${controllerKey}\n`);
    // Pinned host keys: ssh (and Ansible) verify the hosts, no StrictHostKeyChecking=no needed.
    await writeFile(this.knownHostsPath, this.hosts.map((h, i) => `${h.address} ${hostKeys[i]}\n`).join(''));
    await Promise.all(this.hosts.map((h, i) => writeSshdConfig(h, files[i]!, authorizedKeys, this.sessionEnv?.(h))));

    await setUpBridge(this.prefix, this.bridgeAddress);
    for (const [i, host] of this.hosts.entries()) await setUpHost(this.prefix, i + 1, host, this.bridgeAddress);
    const daemons = await Promise.all(this.hosts.map((h, i) => startSshd(h, files[i]!)));
    await Promise.all(
      this.hosts.map((h, i) =>
        waitForSsh(h, files[i]!, daemons[i]!, () => this.ssh(h.name, 'true', { timeoutMs: 5_000 })),
      ),
    );
  }

  /** A host by name (vm1), namespace or address. */
  host(nameOrAddress: string): TestHost {
    const found = this.hosts.find(
      (h) => h.name === nameOrAddress || h.ns === nameOrAddress || h.address === nameOrAddress,
    );
    if (!found) throw new Error(`no test host '${nameOrAddress}' (have ${this.hosts.map((h) => h.name).join(', ')})`);
    return found;
  }

  /** ssh client options for root@<host address>, also usable as Ansible's ssh_common_args. */
  sshOptions(): string[] {
    return [
      // Neither root's ~/.ssh/config nor the system's may change how we connect.
      '-F',
      '/dev/null',
      '-i',
      this.privateKeyPath,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${this.knownHostsPath}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
    ];
  }

  /** Runs argv inside the host's namespace (`ip netns exec`), bypassing ssh. */
  exec(host: string, argv: readonly string[], opts: ExecOptions = {}): Promise<CommandResult> {
    return run('ip', ['netns', 'exec', this.host(host).ns, ...argv], opts);
  }

  /**
   * Runs a shell command on the host through a real ssh login, from the root namespace: as root, or
   * as another local user (every user's authorized key is the controller key).
   */
  ssh(
    host: string,
    command: string,
    opts: { readonly timeoutMs?: number; readonly user?: string } = {},
  ): Promise<CommandResult> {
    return run('ssh', [...this.sshOptions(), `${opts.user ?? 'root'}@${this.host(host).address}`, command], {
      timeoutMs: opts.timeoutMs,
    });
  }

  /**
   * Kills every process in the namespaces (SIGKILL after a SIGTERM grace), deletes
   * namespaces, veths, bridge and the bridge's iptables rule. Idempotent, and also
   * removes leftovers of an earlier crashed run with the same prefix.
   */
  destroy(): Promise<void> {
    // Concurrent calls share one cleanup; a later call runs it again (finding nothing, or new leftovers).
    this.destroying ??= cleanupPrefix(this.prefix)
      .then(() => void process.removeListener('exit', this.reapOnExit))
      .finally(() => (this.destroying = undefined));
    return this.destroying;
  }
}

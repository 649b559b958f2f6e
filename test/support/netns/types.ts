/** One "VM" of the deployment: a network namespace with its own sshd. */
export interface TestHost {
  /** Inventory name: vm1, vm2, ... */
  readonly name: string;
  /** Network namespace name: <prefix>-vm1, ... */
  readonly ns: string;
  /** Its address on the test bridge: <subnet>.11, ... (as the Vagrant VMs). */
  readonly address: string;
}

export interface NetnsOptions {
  /** Names every namespace, link and rule; cleanup removes everything with it. Default 'dsse2e'. */
  readonly prefix?: string;
  /** First three octets of the /24 on the bridge. Default '192.168.56'. */
  readonly subnet?: string;
  /** How many hosts. Default 3. */
  readonly count?: number;
  /** Keys, sshd configurations, pid files and logs go to <workDir>/netns/. */
  readonly workDir: string;
  /**
   * Extra environment of every ssh session on a host (sshd's SetEnv; values without spaces), as a
   * VM's own files would set it: e.g. a PATH that finds the host's commands first, since the hosts
   * share this machine's /usr/local/bin.
   */
  readonly sessionEnv?: (host: TestHost) => Readonly<Record<string, string>>;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Default 30 s; on expiry the command's process group is killed and code is 124 (as timeout(1)). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export const DEFAULT_PREFIX = 'dsse2e';
export const DEFAULT_SUBNET = '192.168.56';
export const DEFAULT_COUNT = 3;

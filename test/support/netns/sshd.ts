import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { underReaper } from './reaper.js';
import { runOk } from './run-command.js';
import type { CommandResult, TestHost } from './types.js';

const SSHD = '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
const READY_TIMEOUT_MS = 15_000;

/** Where one host's sshd keeps its files (all under the caller's workDir). */
export interface SshdFiles {
  readonly dir: string;
  readonly hostKey: string;
  readonly config: string;
  readonly log: string;
  readonly pidFile: string;
}

export function sshdFiles(baseDir: string, host: TestHost): SshdFiles {
  const dir = join(baseDir, host.name);
  return {
    dir,
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    config: join(dir, 'sshd_config'),
    log: join(dir, 'sshd.log'),
    pidFile: join(dir, 'sshd.pid'),
  };
}

/** A fresh ed25519 key pair; returns the public key line. */
export async function generateKey(path: string, comment: string): Promise<string> {
  // ssh-keygen asks before overwriting, and there is no one to answer.
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

function sshdConfig(
  host: TestHost,
  files: SshdFiles,
  authorizedKeys: string,
  sessionEnv: Readonly<Record<string, string>>,
): string {
  const lines = [
    `# sshd of test host ${host.name} (netns ${host.ns}), written by test/support/netns`,
    'Port 22',
    'AddressFamily inet',
    `ListenAddress ${host.address}`,
    `HostKey ${files.hostKey}`,
    `PidFile ${files.pidFile}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // No PAM stack to satisfy in a namespace; root's key is all that is checked.
    'UsePAM no',
    // workDir is a temp dir whose modes sshd would otherwise reject.
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    // Ansible runs several connections per host at once.
    'MaxStartups 50:30:100',
    // The hosts share this machine's /root, whose ~/.bashrc is the controller's
    // (here it runs `pyenv init`, seconds per command), which a fresh VM would not
    // have. Bash sources ~/.bashrc for a command run by sshd only as a top-level
    // shell (SHLVL below 2), so sessions start one level down.
    // One SetEnv line: sshd takes the first of a repeated keyword.
    `SetEnv ${Object.entries({ SHLVL: '1', ...sessionEnv })
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  ];
  // Ansible copies files over sftp (falling back to scp).
  if (existsSync(SFTP_SERVER)) lines.push(`Subsystem sftp ${SFTP_SERVER}`);
  return `${lines.join('\n')}\n`;
}

export async function writeSshdConfig(
  host: TestHost,
  files: SshdFiles,
  authorizedKeys: string,
  sessionEnv: Readonly<Record<string, string>> = {},
): Promise<void> {
  for (const [k, v] of Object.entries(sessionEnv))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\s"]/.test(v))
      throw new Error(`session variable ${k}=${v}: a name, and a value without spaces or quotes`);
  await mkdir(files.dir, { recursive: true });
  await writeFile(files.config, sshdConfig(host, files, authorizedKeys, sessionEnv));
}

export async function logTail(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${path})`;
  }
}

/** A started sshd: why it is no longer running, or undefined while it is. */
export interface SshdProcess {
  stopped(): string | undefined;
}

/**
 * Starts the host's sshd in the foreground (-D) inside its namespace, under the
 * reaper, which stays our child: so nothing of it ends up a zombie of PID 1.
 * destroy() finds it by namespace like everything else in there.
 */
export async function startSshd(host: TestHost, files: SshdFiles): Promise<SshdProcess> {
  // Privilege separation directory, normally made by the systemd unit.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const argv = underReaper([SSHD, '-D', '-f', files.config, '-E', files.log]);
  const child = spawn('ip', ['netns', 'exec', host.ns, ...argv], { stdio: 'ignore' });
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // Must not keep jest alive if someone forgets destroy(); the 'exit' hook reaps it then.
  child.unref();
  return {
    stopped: () => {
      if (spawnError) return `could not start: ${spawnError.message}`;
      if (child.exitCode !== null || child.signalCode !== null)
        return `exited with ${child.exitCode ?? child.signalCode}`;
      return undefined;
    },
  };
}

/** Polls until a real ssh login works, so the caller gets hosts Ansible can use at once. */
export async function waitForSsh(
  host: TestHost,
  files: SshdFiles,
  sshd: SshdProcess,
  ssh: () => Promise<CommandResult>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: CommandResult | undefined;
  while (Date.now() < deadline) {
    const stopped = sshd.stopped();
    if (stopped)
      throw new Error(
        `sshd of ${host.name} (netns ${host.ns}) ${stopped}\n--- ${files.log} (tail) ---\n${await logTail(files.log)}`,
      );
    last = await ssh();
    if (last.code === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `sshd of ${host.name} (${host.address}, netns ${host.ns}) did not accept ssh within ${READY_TIMEOUT_MS / 1000} s;` +
      ` last ssh exited ${last?.code}: ${last?.stderr.trim()}\n--- ${files.log} (tail) ---\n${await logTail(files.log)}`,
  );
}

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

// One long-running process inside a host's network namespace, started by the
// chaos runner itself rather than PM2: the nemesis needs its pid for SIGKILL
// and SIGSTOP, and decides itself when a killed process comes back.

export interface ProcessSpec {
  readonly name: string;
  readonly ns: string;
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** stdout and stderr are appended here, across restarts. */
  readonly logFile: string;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;
  /** How many times it was started; 1 after the first start. */
  starts = 0;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Starts it (again). `ip netns exec` execs the command, so the pid is the daemon's own. */
  start(): void {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', this.spec.ns, ...this.spec.argv], {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.stopped = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  signal(sig: NodeJS.Signals): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL, and waits until the kernel has reaped it (its ports are free again). */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGCONT'); // a paused process must not keep its ports
    this.signal('SIGKILL');
    await this.exited;
  }

  /** A graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopped = true;
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Whether stop() was the last thing done to it (not a crash the nemesis caused). */
  get stoppedOnPurpose(): boolean {
    return this.stopped;
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import type { CommandResult, ExecOptions } from './types.js';

/** Exit code of a command that ran out of time, as timeout(1) reports it. */
export const TIMEOUT_CODE = 124;
const DEFAULT_TIMEOUT_MS = 30_000;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs a command to completion; never rejects for a non-zero exit, only when it cannot start. */
export function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout takes the whole tree (ssh, ip netns exec's child, ...).
    const child = spawn(file, [...args], {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      // A daemon that left the group may still hold our pipes open; 'close' must come anyway.
      child.stdout.destroy();
      child.stderr.destroy();
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        resolve({ code: TIMEOUT_CODE, stdout, stderr: `${stderr}[${file} timed out after ${timeoutMs} ms]\n` });
      else resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
  });
}

/** run(), but a non-zero exit is an error naming the command and its stderr. */
export async function runOk(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<string> {
  const res = await run(file, args, opts);
  if (res.code !== 0) throw new Error(`${[file, ...args].join(' ')} exited with ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Synchronous variant for process 'exit' handlers, where nothing async runs any more. */
export function runSync(file: string, args: readonly string[]): CommandResult {
  const res = spawnSync(file, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return { code: res.status ?? 1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

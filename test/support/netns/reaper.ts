import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { findExecutable } from '../../../scripts/local-cluster/redis-server.js';

/** In the reaper's command line, so cleanup can tell it apart (and kill it last). */
export const REAPER_MARK = 'dss-netns-reaper';

// Processes orphaned inside a namespace (sshd sessions, daemons a deployment
// double-forks) are reparented to PID 1, and a container's PID 1 may never reap
// them: each killed one would stay a zombie. This runs the command as the child
// of a subreaper that adopts and reaps every orphan below it, ignores SIGTERM so
// it outlives them, and exits once none is left.
const REAPER_PY = [
  'import ctypes, os, signal, sys',
  'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER',
  'signal.signal(signal.SIGTERM, signal.SIG_IGN)',
  'if os.fork() == 0:',
  '    signal.signal(signal.SIGTERM, signal.SIG_DFL)',
  '    os.execv(sys.argv[2], sys.argv[2:])',
  'while True:',
  '    try:',
  '        os.wait()',
  '    except ChildProcessError:',
  '        break',
].join('\n');

/** argv running `command` under the reaper, or `command` itself when there is no python3. */
export function underReaper(command: readonly string[]): string[] {
  // The system python first: PATH may hold a pyenv shim that needs a login environment.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findExecutable('python3');
  return python ? [python, '-c', REAPER_PY, REAPER_MARK, ...command] : [...command];
}

export async function isReaper(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes(REAPER_MARK);
  } catch {
    return false; // gone
  }
}

export function isReaperSync(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(REAPER_MARK);
  } catch {
    return false;
  }
}

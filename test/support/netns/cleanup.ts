import { findExecutable } from '../../../scripts/local-cluster/redis-server.js';
import { linkNames, netnsNames } from './ip-json.js';
import { forwardRule, isOurLink, isOurNs } from './names.js';
import { isReaper, isReaperSync } from './reaper.js';
import { run, runSync } from './run-command.js';

const TERM_GRACE_MS = 3_000;
const KILL_DEADLINE_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function parsePids(text: string): number[] {
  // Never our own process or init, whatever a namespace listing claims.
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 1 && pid !== process.pid);
}

async function pidsIn(namespaces: readonly string[]): Promise<number[]> {
  const lists = await Promise.all(
    namespaces.map(async (ns) => parsePids((await run('ip', ['netns', 'pids', ns])).stdout)),
  );
  return [...new Set(lists.flat())];
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Signals what list() returns until it returns nothing: SIGTERM first (if asked)
 * with a grace period to stop cleanly, then SIGKILL (PM2 respawns apps meanwhile).
 */
async function terminate(list: () => Promise<number[]>, first: NodeJS.Signals | undefined): Promise<void> {
  let pids = await list();
  if (pids.length === 0) return;
  if (first) signal(pids, first);
  for (const graceEnd = Date.now() + TERM_GRACE_MS; Date.now() < graceEnd;) {
    await sleep(50);
    pids = await list();
    if (pids.length === 0) return;
  }
  for (const killEnd = Date.now() + KILL_DEADLINE_MS; ;) {
    signal(pids, 'SIGKILL');
    await sleep(50);
    pids = await list();
    if (pids.length === 0) return;
    if (Date.now() > killEnd) throw new Error(`processes ${pids.join(', ')} survived SIGKILL`);
  }
}

/**
 * Every process whose network namespace is one of these: sshd, its sessions and
 * whatever a deployment started (PM2 and its apps). The reapers go last, so they
 * are still there to reap the others, and then leave by themselves.
 */
async function killAllIn(namespaces: readonly string[]): Promise<void> {
  const all = await pidsIn(namespaces);
  const reapers = new Set<number>();
  for (const pid of all) if (await isReaper(pid)) reapers.add(pid);
  await terminate(async () => (await pidsIn(namespaces)).filter((pid) => !reapers.has(pid)), 'SIGTERM');
  await terminate(() => pidsIn(namespaces), undefined);
}

async function removeForwardRule(prefix: string): Promise<void> {
  const iptables = findExecutable('iptables');
  if (!iptables) return;
  // A crashed run may have inserted it more than once; -D removes one copy per call.
  for (let i = 0; i < 10; i++) {
    if ((await run(iptables, ['-w', '-D', ...forwardRule(prefix)])).code !== 0) return;
  }
}

/**
 * Removes everything a NetnsHosts with this prefix created, whether this process
 * made it or an earlier, crashed one: processes, the iptables rule, links, namespaces.
 * Deletions tolerate "already gone"; what still exists afterwards is an error.
 */
export async function cleanupPrefix(prefix: string): Promise<void> {
  const namespaces = (await netnsNames()).filter((n) => isOurNs(prefix, n));
  await killAllIn(namespaces);
  await removeForwardRule(prefix);
  // Deleting the root end takes the namespace end with it, at once; waiting for the
  // kernel to tear down the namespace would leave it around for a moment, and a
  // create() right after would find the name taken.
  for (const link of (await linkNames()).filter((n) => isOurLink(prefix, n))) await run('ip', ['link', 'del', link]);
  for (const ns of namespaces) await run('ip', ['netns', 'del', ns]);

  const leftNs = (await netnsNames()).filter((n) => isOurNs(prefix, n));
  const leftLinks = (await linkNames()).filter((n) => isOurLink(prefix, n));
  if (leftNs.length > 0 || leftLinks.length > 0) {
    throw new Error(
      `netns cleanup of '${prefix}' left namespaces [${leftNs.join(', ')}] and links [${leftLinks.join(', ')}]`,
    );
  }
}

/** SIGKILL what list() returns, after graceMs of waiting for it to go by itself, until it is empty (3 s at most). */
function killUntilGoneSync(list: () => number[], graceMs: number): void {
  const killAt = Date.now() + graceMs;
  for (const end = Date.now() + 3_000; Date.now() < end; sleepSync(20)) {
    const left = list();
    if (left.length === 0) return;
    if (Date.now() >= killAt) signal(left, 'SIGKILL');
  }
}

/**
 * Last resort for a process 'exit' handler (jest bailing out without afterAll):
 * synchronous, SIGKILL only, best effort.
 */
export function cleanupPrefixSync(prefix: string): void {
  const namespaces = runSync('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((n) => isOurNs(prefix, n));
  const pids = (): number[] => namespaces.flatMap((ns) => parsePids(runSync('ip', ['netns', 'pids', ns]).stdout));
  // As killAllIn: reapers last, so the others do not end up zombies of PID 1.
  const reapers = new Set(pids().filter(isReaperSync));
  killUntilGoneSync(() => pids().filter((pid) => !reapers.has(pid)), 0);
  killUntilGoneSync(pids, 1_000); // the reapers leave by themselves once they have reaped the rest
  const iptables = findExecutable('iptables');
  if (iptables) for (let i = 0; i < 10 && runSync(iptables, ['-w', '-D', ...forwardRule(prefix)]).code === 0; i++);
  const links = runSync('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((line) => (line.split(':')[1] ?? '').trim().split('@')[0] ?? '')
    .filter((n) => isOurLink(prefix, n));
  for (const link of links) runSync('ip', ['link', 'del', link]);
  for (const ns of namespaces) runSync('ip', ['netns', 'del', ns]);
}

import type { Command } from 'commander';
import type { EndpointStatus, Role } from '../client-port.js';
import type { ActionFactory, CommandResult } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { formatMs, plural, renderTable } from '../output.js';

// `dssctl status`: GET /health and GET /cluster of every daemon of every role
// (DssClient.status()), one table per role. Exit 0 when every daemon answers
// healthy, 5 otherwise (like `etcdctl endpoint health`).

export interface LockInfo {
  readonly state: string | null;
  readonly term: number | null;
  readonly leader: string | null;
  readonly commitIndex: number | null;
}
export interface QueueInfo {
  readonly redis: string | null;
  readonly owns: readonly string[];
}
export interface CacheInfo {
  readonly redis: string | null;
  readonly M: number;
  readonly E: number;
  readonly S: number;
  readonly I: number;
  readonly total: number;
}

export interface DaemonSummary {
  readonly role: Role;
  readonly node: string | null;
  readonly url: string;
  readonly health: 'healthy' | 'unhealthy' | 'unreachable';
  readonly reachable: boolean;
  readonly healthy: boolean;
  readonly latencyMs: number | null;
  readonly error?: string;
  readonly lock?: LockInfo;
  readonly queue?: QueueInfo;
  readonly cache?: CacheInfo;
}

export interface StatusReport {
  readonly healthy: boolean;
  readonly daemons: readonly DaemonSummary[];
  readonly lock: { readonly leader: string | null; readonly term: number | null };
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function summarizeDaemon(s: EndpointStatus): DaemonSummary {
  const c = obj(s.cluster);
  const base = {
    role: s.role,
    node: str(obj(c?.node)?.id),
    url: s.url,
    health: s.healthy ? ('healthy' as const) : s.reachable ? ('unhealthy' as const) : ('unreachable' as const),
    reachable: s.reachable,
    healthy: s.healthy,
    latencyMs: num(s.latencyMs),
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
  if (!c) return base;
  if (s.role === 'lock') {
    const raft = obj(c.raft);
    return {
      ...base,
      lock: {
        state: str(raft?.state),
        term: num(raft?.term),
        leader: str(raft?.leader),
        commitIndex: num(raft?.commitIndex),
      },
    };
  }
  if (s.role === 'queue') {
    const q = obj(c.queue);
    const owns = Array.isArray(q?.owns) ? q.owns.filter((t): t is string => typeof t === 'string') : [];
    return { ...base, queue: { redis: str(q?.redis), owns } };
  }
  const cache = obj(c.cache);
  const lines = obj(cache?.lines);
  const n = (k: string) => num(lines?.[k]) ?? 0;
  return {
    ...base,
    cache: {
      redis: str(cache?.redis),
      M: n('M'),
      E: n('E'),
      S: n('S'),
      I: n('I'),
      total: num(lines?.total) ?? n('M') + n('E') + n('S') + n('I'),
    },
  };
}

/** The leader the lock daemons agree on: a self-declared leader of the highest term, else the leader the highest term names. */
export function lockLeader(daemons: readonly DaemonSummary[]): { leader: string | null; term: number | null } {
  const locks = daemons.filter((d) => d.lock && d.lock.term !== null).map((d) => ({ node: d.node, ...d.lock! }));
  if (locks.length === 0) return { leader: null, term: null };
  const term = Math.max(...locks.map((l) => l.term!));
  const self = locks.find((l) => l.state === 'leader' && l.term === term);
  const named = locks.find((l) => l.term === term && l.leader !== null);
  return { leader: self?.node ?? named?.leader ?? null, term };
}

export function buildStatusReport(statuses: readonly EndpointStatus[]): StatusReport {
  const daemons = statuses.map(summarizeDaemon);
  return { healthy: daemons.length > 0 && daemons.every((d) => d.healthy), daemons, lock: lockLeader(daemons) };
}

function topics(owns: readonly string[]): string {
  if (owns.length === 0) return '-';
  const shown = owns.slice(0, 4).join(',');
  return owns.length > 4 ? `${owns.length}: ${shown},…` : `${owns.length}: ${shown}`;
}

export function renderStatus(report: StatusReport): string {
  const of = (role: Role) => report.daemons.filter((d) => d.role === role);
  const common = (d: DaemonSummary) => [d.node ?? '?', d.url, d.health, formatMs(d.latencyMs)];
  const parts: string[] = [];
  const lock = of('lock');
  if (lock.length > 0) {
    parts.push(
      'lock\n' +
        renderTable(
          ['node', 'url', 'health', 'latency', 'state', 'term', 'leader', 'commit'],
          lock.map((d) => [...common(d), d.lock?.state, d.lock?.term, d.lock?.leader, d.lock?.commitIndex]),
          { align: { latency: 'right', term: 'right', commit: 'right' } },
        ),
    );
  }
  const queue = of('queue');
  if (queue.length > 0) {
    parts.push(
      'queue\n' +
        renderTable(
          ['node', 'url', 'health', 'latency', 'redis', 'topics'],
          queue.map((d) => [...common(d), d.queue?.redis, d.queue ? topics(d.queue.owns) : undefined]),
          { align: { latency: 'right' } },
        ),
    );
  }
  const cache = of('cache');
  if (cache.length > 0) {
    parts.push(
      'cache\n' +
        renderTable(
          ['node', 'url', 'health', 'latency', 'redis', 'M', 'E', 'S', 'I', 'total'],
          cache.map((d) => [
            ...common(d),
            d.cache?.redis,
            d.cache?.M,
            d.cache?.E,
            d.cache?.S,
            d.cache?.I,
            d.cache?.total,
          ]),
          { align: { latency: 'right', M: 'right', E: 'right', S: 'right', I: 'right', total: 'right' } },
        ),
    );
  }
  const healthy = report.daemons.filter((d) => d.healthy).length;
  const leader = report.lock.leader ? `lock leader ${report.lock.leader} (term ${report.lock.term})` : 'no lock leader';
  const problems = report.daemons
    .filter((d) => !d.healthy)
    .map((d) =>
      `  ${d.role} ${d.node ?? ''} ${d.url}: ${d.health}${d.error ? ` (${d.error})` : ''}`.replace(
        / {2,}(?=http)/,
        ' ',
      ),
    );
  return (
    parts.join('\n') +
    `\n${healthy}/${report.daemons.length} daemons healthy; ${leader}\n` +
    (problems.length > 0 ? problems.join('\n') + '\n' : '')
  );
}

export function statusResult(statuses: readonly EndpointStatus[]): CommandResult {
  const report = buildStatusReport(statuses);
  const bad = report.daemons.filter((d) => !d.healthy);
  if (report.healthy) return { json: report, text: renderStatus(report) };
  const message =
    report.daemons.length === 0
      ? 'no daemons configured'
      : `${plural(bad.length, 'daemon')} of ${report.daemons.length} not healthy: ${bad.map((d) => `${d.role} ${d.url} (${d.health})`).join(', ')}`;
  return {
    json: report,
    text: renderStatus(report),
    exitCode: EXIT.UNAVAILABLE,
    problem: { code: 'UNAVAILABLE', message },
  };
}

export function registerStatus(program: Command, action: ActionFactory): void {
  program
    .command('status')
    .description('health, latency and role state of every daemon (exit 5 unless all are healthy)')
    .addHelpText(
      'after',
      `
Columns: lock: Raft state, term, leader, commit index; queue: Redis link and the
topics the node owns; cache: lines per MESI state and in all.

Examples:
  dssctl status
  dssctl status --json | jq '.daemons[] | select(.healthy | not)'`,
    )
    .action(action(async (ctx) => statusResult(await ctx.client().status({ signal: ctx.signal }))));
}

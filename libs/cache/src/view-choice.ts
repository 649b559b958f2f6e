// Which view of the live cache nodes a node takes, from who hears whom. Pure.
//
// Taking "every node I heard lately" as the view leaves an asymmetric partition
// without any view a majority shares: under a bridge through A (B and C cannot
// reach each other) A sees {A,B,C}, B sees {A,B}, C sees {A,C}, and the view
// lease (view-lease.ts) rightly lets nobody act. So every node shares what it
// hears (its *report*, relayed by the others), and every node applies the same
// rule to the same reports: the view is the largest set of nodes that all hear
// each other both ways; among sets of one size, the one with more nodes that
// reach the cache's memory (the Redis primary: a bridge can cut one side off
// it), then the one listing the earliest nodes of the description. With the
// same reports, every node picks the same set; a node left out of it sees only
// itself (no majority) until the partition heals.
// Safety never depends on this choice: only the view lease does.

/** What one node hears (a node it heard from within the dead timeout), and how fresh the report is. */
export interface HeardReport {
  readonly heard: readonly string[];
  /** The node reaches the cache's memory (Redis) lately. */
  readonly memory?: boolean;
  /** Grows with every report the node makes, across restarts (it starts from the wall clock). */
  readonly seq: number;
}

/** Keeps the freshest report per node; true when `incoming` changed anything. */
export function mergeReports(
  known: Map<string, HeardReport>,
  incoming: Readonly<Record<string, HeardReport>>,
  nodes: readonly string[],
): boolean {
  let changed = false;
  for (const [node, report] of Object.entries(incoming)) {
    if (!nodes.includes(node) || !isReport(report)) continue;
    const current = known.get(node);
    if (current && current.seq >= report.seq) continue;
    if (!current || current.heard.join() !== report.heard.join() || current.memory !== (report.memory === true))
      changed = true;
    known.set(node, {
      heard: report.heard.filter((n) => nodes.includes(n)),
      seq: report.seq,
      memory: report.memory === true,
    });
  }
  return changed;
}

function isReport(value: unknown): value is HeardReport {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as { heard?: unknown; seq?: unknown; memory?: unknown };
  return (
    Array.isArray(r.heard) &&
    r.heard.every((n) => typeof n === 'string') &&
    typeof r.seq === 'number' &&
    Number.isFinite(r.seq) &&
    (r.memory === undefined || typeof r.memory === 'boolean')
  );
}

/**
 * The view `self` takes: the largest set of nodes (in `nodes` order) that all hear each
 * other according to `reports` (then the one with most nodes reaching memory, then the
 * earliest), or `[self]` alone when that set leaves it out.
 * A node without a report hears nobody. `nodes` is small (the cache nodes of the
 * description), so every subset is tried.
 */
export function chooseView(
  nodes: readonly string[],
  reports: ReadonlyMap<string, HeardReport>,
  self: string,
): string[] {
  const hears = (a: string, b: string) => reports.get(a)?.heard.includes(b) ?? false;
  const mutual = (a: string, b: string) => hears(a, b) && hears(b, a);
  const reaching = (set: readonly string[]) => set.filter((n) => reports.get(n)?.memory === true).length;
  let best: string[] = [];
  let bestRank = '';
  for (let mask = 1; mask < 1 << nodes.length; mask++) {
    const set = nodes.filter((_, i) => mask & (1 << i));
    if (set.length < best.length) continue;
    if (!set.every((a, i) => set.slice(i + 1).every((b) => mutual(a, b)))) continue;
    // Sorts like the preference: bigger first, then more nodes reaching memory, then earliest nodes.
    const rank = [
      (99 - set.length).toString().padStart(2, '0'),
      (99 - reaching(set)).toString().padStart(2, '0'),
      ...set.map((n) => nodes.indexOf(n).toString().padStart(4, '0')),
    ].join();
    if (best.length === 0 || rank < bestRank) {
      best = set;
      bestRank = rank;
    }
  }
  return best.includes(self) ? best : [self];
}

// The Redis topology as the lock nodes publish it at GET /redis
// (docs/redis-failover.md): the epoch, its primary and replicas, and each
// server as the lock node probed it when asked. Read defensively: a build
// without the endpoint answers 404, and the launcher must still work.

export type RedisRole = 'primary' | 'replica' | 'unknown';

export interface RedisServerView {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly reachable: boolean;
  readonly role: RedisRole;
  /** A replica's link to its primary; null for a primary or an unreachable server. */
  readonly linkUp: boolean | null;
  readonly offset: number | null;
  /** Why the probe failed, when the lock node says. */
  readonly error?: string;
}

export interface RedisTopologyView {
  readonly epoch: number;
  readonly primary: string;
  readonly replicas: readonly string[];
  readonly replicasToAck: number;
  readonly leader: string | null;
  readonly nodes: readonly RedisServerView[];
  /** The last failover decision of the lock node that answered (the leader's), if any. */
  readonly lastEvent?: { readonly at: string; readonly what: string };
}

export type TopologyAnswer =
  | { readonly kind: 'ok'; readonly url: string; readonly view: RedisTopologyView }
  /** Every lock node that answered said 404: this build has no /redis. */
  | { readonly kind: 'absent' }
  /** No usable answer: why, per lock node. */
  | { readonly kind: 'unknown'; readonly reasons: readonly string[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ROLES: readonly string[] = ['primary', 'replica', 'unknown'];

/** The /redis document, or undefined when it does not have the contract's shape. */
export function parseTopology(json: unknown): RedisTopologyView | undefined {
  if (!isObject(json)) return undefined;
  const { epoch, primary, replicas, replicasToAck, leader, nodes, lastEvent } = json;
  if (
    typeof epoch !== 'number' ||
    typeof primary !== 'string' ||
    !Array.isArray(replicas) ||
    !replicas.every((r) => typeof r === 'string')
  )
    return undefined;
  if (!Array.isArray(nodes)) return undefined;
  const servers: RedisServerView[] = [];
  for (const n of nodes) {
    if (!isObject(n) || typeof n.id !== 'string') return undefined;
    servers.push({
      id: n.id,
      host: typeof n.host === 'string' ? n.host : '?',
      port: typeof n.port === 'number' ? n.port : 0,
      reachable: n.reachable === true,
      role: typeof n.role === 'string' && ROLES.includes(n.role) ? (n.role as RedisRole) : 'unknown',
      linkUp: typeof n.linkUp === 'boolean' ? n.linkUp : null,
      offset: typeof n.offset === 'number' ? n.offset : null,
      ...(typeof n.error === 'string' ? { error: n.error } : {}),
    });
  }
  return {
    epoch,
    primary,
    replicas: replicas as string[],
    replicasToAck: typeof replicasToAck === 'number' ? replicasToAck : 0,
    leader: typeof leader === 'string' ? leader : null,
    nodes: servers,
    ...(isObject(lastEvent) && typeof lastEvent.at === 'string' && typeof lastEvent.what === 'string'
      ? { lastEvent: { at: lastEvent.at, what: lastEvent.what } }
      : {}),
  };
}

/**
 * What keeps the topology from being whole: the primary must be reachable and
 * a primary, every replica reachable, a replica, its link up. Empty: whole.
 */
export function topologyProblems(view: RedisTopologyView): string[] {
  const problems: string[] = [];
  const server = (id: string) => view.nodes.find((n) => n.id === id);
  const unreachable = (s: RedisServerView) => `unreachable${s.error ? ` (${s.error})` : ''}`;
  const primary = server(view.primary);
  if (!primary) problems.push(`primary ${view.primary}: not among the servers probed`);
  else if (!primary.reachable) problems.push(`primary ${view.primary}: ${unreachable(primary)}`);
  else if (primary.role !== 'primary')
    problems.push(`primary ${view.primary}: is a ${primary.role}, not a primary yet`);
  for (const id of view.replicas) {
    const s = server(id);
    if (!s) problems.push(`replica ${id}: not among the servers probed`);
    else if (!s.reachable) problems.push(`replica ${id}: ${unreachable(s)}`);
    else if (s.role !== 'replica') problems.push(`replica ${id}: is a ${s.role}, not attached yet`);
    else if (s.linkUp !== true) problems.push(`replica ${id}: link to ${view.primary} down`);
  }
  return problems;
}

/** One line: "epoch 0, primary node1, replicas node2 (link up), node3 (link down), writes wait for 1 replica, lock leader node2". */
export function describeTopology(view: RedisTopologyView): string {
  const link = (id: string): string => {
    const s = view.nodes.find((n) => n.id === id);
    if (!s || !s.reachable) return 'unreachable';
    if (s.role !== 'replica') return `${s.role}, not attached`;
    return s.linkUp ? 'link up' : 'link down';
  };
  const replicas = view.replicas.length > 0 ? view.replicas.map((id) => `${id} (${link(id)})`).join(', ') : 'none';
  const acks = `${view.replicasToAck} replica${view.replicasToAck === 1 ? '' : 's'}`;
  return `epoch ${view.epoch}, primary ${view.primary}, replicas ${replicas}, writes wait for ${acks}, lock leader ${view.leader ?? 'none'}`;
}

/** Table rows (server, address, role, link, offset) of every server the lock node probed. */
export function topologyRows(view: RedisTopologyView): string[][] {
  return view.nodes.map((n) => {
    const expected = n.id === view.primary ? 'primary' : view.replicas.includes(n.id) ? 'replica' : '-';
    const role = n.reachable ? n.role : 'unreachable';
    const link = n.role === 'replica' && n.reachable ? (n.linkUp ? 'up' : 'down') : '-';
    return [n.id, `${n.host}:${n.port}`, expected, role, link, n.offset === null ? '-' : String(n.offset)];
  });
}
export const TOPOLOGY_HEADER = ['redis', 'address', 'epoch role', 'is now', 'link', 'offset'] as const;

async function ask(
  url: string,
  timeoutMs: number,
): Promise<{ url: string; status: number; view?: RedisTopologyView; error?: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (res.status !== 200) return { url, status: res.status, error: `${res.status}` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { url, status: res.status, error: 'not JSON' };
    }
    const view = parseTopology(json);
    return view ? { url, status: 200, view } : { url, status: 200, error: 'not the /redis document' };
  } catch (err) {
    return { url, status: 0, error: err instanceof Error && err.name === 'TimeoutError' ? 'no answer' : 'unreachable' };
  }
}

/**
 * GET /redis of every lock node at once (`lockUrls` are their base URLs);
 * the answer with the highest epoch, preferring a whole topology, then the
 * first node.
 */
export async function fetchTopology(lockUrls: readonly string[], timeoutMs = 2000): Promise<TopologyAnswer> {
  const answers = await Promise.all(lockUrls.map((u) => ask(`${u}/redis`, timeoutMs)));
  const ok = answers.filter((a): a is typeof a & { view: RedisTopologyView } => a.view !== undefined);
  if (ok.length > 0) {
    const best = ok.reduce((a, b) => {
      if (b.view.epoch !== a.view.epoch) return b.view.epoch > a.view.epoch ? b : a;
      return topologyProblems(a.view).length === 0 || topologyProblems(b.view).length > 0 ? a : b;
    });
    return { kind: 'ok', url: best.url, view: best.view };
  }
  if (answers.some((a) => a.status === 404) && answers.every((a) => a.status === 404 || a.status === 0))
    return { kind: 'absent' };
  return { kind: 'unknown', reasons: answers.map((a) => `${a.url}: ${a.error}`) };
}

/**
 * Polls /redis until some lock node reports a whole topology or `timeoutMs`
 * passes; stops at once when the lock nodes have no /redis at all.
 */
export async function waitTopology(
  lockUrls: readonly string[],
  timeoutMs: number,
  everyMs = 250,
): Promise<TopologyAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetchTopology(lockUrls);
    if (answer.kind === 'absent') return answer;
    if (answer.kind === 'ok' && topologyProblems(answer.view).length === 0) return answer;
    if (Date.now() >= deadline) return answer;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The lines `npm start` and `npm run status` print for an answer. */
export function topologySummary(answer: TopologyAnswer): string[] {
  if (answer.kind === 'absent')
    return ['Redis topology: unknown (the lock nodes do not serve GET /redis: this build has no Redis failover yet).'];
  if (answer.kind === 'unknown')
    return ['Redis topology: unknown (no lock node answered GET /redis):', ...answer.reasons.map((r) => `  ${r}`)];
  const problems = topologyProblems(answer.view);
  const event = answer.view.lastEvent;
  return [
    `Redis topology (${answer.url}): ${describeTopology(answer.view)}.`,
    ...(event ? [`Last failover event: ${event.at} ${event.what}`] : []),
    ...(problems.length > 0 ? ['Not whole yet:', ...problems.map((p) => `  ${p}`)] : []),
  ];
}

// What the lock leader reads from each Redis node: the `INFO replication`
// section, parsed. Pure, so the failover planner can be tested on texts.

export interface ReplicationInfo {
  readonly role: 'master' | 'slave';
  /** Set on a replica: the primary it follows. */
  readonly masterHost?: string;
  readonly masterPort?: number;
  /** A replica's link to its primary is up (master_link_status:up). */
  readonly linkUp: boolean;
  /** This node's replication ID; a synchronised replica reports its primary's. */
  readonly replid: string;
  /** The ID it followed before it was last promoted ('000...' if none). */
  readonly replid2: string;
  /** How far into the stream of `replid` this node's data goes. */
  readonly offset: number;
  /** The last offset of `replid2`'s stream this node holds (second_repl_offset - 1), -1 if none. */
  readonly offset2: number;
  /** Replicas attached with state=online (on a primary). */
  readonly onlineReplicas: number;
}

export class ReplicationInfoError extends Error {}

/** Parses INFO replication; throws ReplicationInfoError when a field it needs is missing. */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const role = fields.get('role');
  if (role !== 'master' && role !== 'slave')
    throw new ReplicationInfoError(`INFO replication has no role master/slave (${JSON.stringify(role)})`);
  const num = (name: string, fallback?: number): number => {
    const raw = fields.get(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (n === undefined || !Number.isFinite(n))
      throw new ReplicationInfoError(`INFO replication: ${name} is missing or not a number`);
    return n;
  };
  const replid = fields.get('master_replid') ?? '';
  const replid2 = fields.get('master_replid2') ?? '';
  const onlineReplicas = [...fields.entries()].filter(
    ([k, v]) => /^slave\d+$/.test(k) && /(^|,)state=online(,|$)/.test(v),
  ).length;
  const second = num('second_repl_offset', -1);
  const common = {
    replid,
    replid2,
    offset: num('master_repl_offset', 0),
    offset2: second > 0 ? second - 1 : -1,
    onlineReplicas,
  };
  if (role === 'master') return { role, linkUp: false, ...common };
  return {
    role,
    masterHost: fields.get('master_host'),
    masterPort: num('master_port'),
    linkUp: fields.get('master_link_status') === 'up',
    ...common,
  };
}

/** How far into replication stream `replid` a node's data is known to go, or undefined if it holds none of it. */
export function coverage(info: ReplicationInfo, replid: string): number | undefined {
  if (replid === '' || /^0+$/.test(replid)) return undefined;
  if (info.replid === replid) return info.offset;
  if (info.replid2 === replid && info.offset2 >= 0) return info.offset2;
  return undefined;
}

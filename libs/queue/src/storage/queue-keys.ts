// Key layout. Every key of a topic carries the topic as a hash tag, so a
// topic maps to one Redis Cluster slot and its scripts stay single-slot.
// Only the topic registry is global; it is written outside the scripts.

export const TOPICS_KEY = 'dss:q:topics';

export interface TopicKeys {
  /** hash id -> envelope JSON {id, body, publishedAt, dedupId?} (never rewritten) */
  readonly messages: string;
  /** list of ids waiting for delivery; consumers pop the head */
  readonly ready: string;
  /** zset id, score = due time (ms) */
  readonly delayed: string;
  /** zset receipt, score = visibility deadline (ms) */
  readonly inflight: string;
  /** hash receipt -> id, one live receipt per delivery */
  readonly receipts: string;
  /** hash id -> deliveries so far (absent = 0) */
  readonly deliveries: string;
  /** list of dead-lettered ids, oldest first */
  readonly dead: string;
  /** hash id -> "<priority>" or "<priority>|<group>"; absent = default priority, no group */
  readonly meta: string;
  /** hash group -> id of its head (the one message it has out); `<groups>:<group>` lists the rest */
  readonly groups: string;
  /** zset of priority levels other than the default whose ready list `<ready>:p<n>` is not empty */
  readonly levels: string;
  /** hash: fence (highest fencing token that published), waiting (grouped messages behind their head), takes */
  readonly state: string;
}

export function topicKeys(topic: string): TopicKeys {
  const p = `dss:q:{${topic}}:`;
  return {
    messages: `${p}msg`,
    ready: `${p}ready`,
    delayed: `${p}delayed`,
    inflight: `${p}inflight`,
    receipts: `${p}receipts`,
    deliveries: `${p}deliveries`,
    dead: `${p}dead`,
    meta: `${p}meta`,
    groups: `${p}groups`,
    levels: `${p}levels`,
    state: `${p}state`,
  };
}

/** String key remembering a dedupId's ids; expires with the dedup window. */
export function dedupKey(topic: string, dedupId: string): string {
  return `dss:q:{${topic}}:dedup:${dedupId}`;
}

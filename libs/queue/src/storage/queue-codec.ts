// Envelopes are JSON written by Node and never parsed in Lua: cjson would
// round numbers to 14 digits and turn {} into [], corrupting bodies. Script
// replies are checked here so a surprise from Redis fails loudly.

import { QueueStorageError } from './queue-errors.js';
import type {
  AckResult,
  BrowsedMessage,
  BrowseState,
  ConsumedMessage,
  DeadMessage,
  MessageEnvelope,
} from './queue-types.js';

/** What an envelope carries besides id, body and publishedAt; absent fields are not written. */
export interface EnvelopeExtras {
  readonly dedupId?: string;
  readonly group?: string;
  readonly priority?: number;
}

/** Envelope JSON around an already serialized body (serialized once, size-checked once). */
export function encodeEnvelope(id: string, bodyJson: string, publishedAt: number, extras: EnvelopeExtras = {}): string {
  const { dedupId, group, priority } = extras;
  const dedup = dedupId === undefined ? '' : `,"dedupId":${JSON.stringify(dedupId)}`;
  const grp = group === undefined ? '' : `,"group":${JSON.stringify(group)}`;
  const prio = priority === undefined ? '' : `,"priority":${priority}`;
  return `{"id":${JSON.stringify(id)},"publishedAt":${publishedAt}${dedup}${grp}${prio},"body":${bodyJson}}`;
}

export function decodeEnvelope(json: string): MessageEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err: unknown) {
    throw new QueueStorageError('stored message envelope is not JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null)
    throw new QueueStorageError('stored message envelope is not an object');
  const { id, body, publishedAt, dedupId, group, priority } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof publishedAt !== 'number')
    throw new QueueStorageError('stored message envelope lacks id/publishedAt');
  return {
    id,
    body,
    publishedAt,
    ...(typeof dedupId === 'string' ? { dedupId } : {}),
    ...(typeof group === 'string' ? { group } : {}),
    ...(typeof priority === 'number' ? { priority } : {}),
  };
}

/** The group and priority of an envelope, as answers carry them (only when present). */
function placement(env: MessageEnvelope): { group?: string; priority?: number } {
  return {
    ...(env.group === undefined ? {} : { group: env.group }),
    ...(env.priority === undefined ? {} : { priority: env.priority }),
  };
}

export function replyArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new QueueStorageError(`${what}: expected an array reply`);
  return reply;
}

export function replyString(reply: unknown, what: string): string {
  if (typeof reply === 'string') return reply;
  throw new QueueStorageError(`${what}: expected a string reply`);
}

export function replyInt(reply: unknown, what: string): number {
  const n = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  throw new QueueStorageError(`${what}: expected an integer reply`);
}

/** {acked, {stale receipts}, ...} -> AckResult. */
export function decodeAck(reply: unknown): AckResult {
  const pair = replyArray(reply, 'ack');
  return { acked: replyInt(pair[0], 'ack'), stale: replyArray(pair[1], 'ack').map((r) => replyString(r, 'ack')) };
}

/** Flat {id, receipt, envelope, deliveries, ...} -> messages. */
export function decodeConsumed(reply: unknown): ConsumedMessage[] {
  const flat = replyArray(reply, 'consume');
  const out: ConsumedMessage[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const env = decodeEnvelope(replyString(flat[i + 2], 'consume'));
    out.push({
      id: replyString(flat[i], 'consume'),
      receipt: replyString(flat[i + 1], 'consume'),
      body: env.body,
      deliveries: replyInt(flat[i + 3], 'consume'),
      publishedAt: env.publishedAt,
      ...placement(env),
    });
  }
  return out;
}

/** A stored message as listings show it (dead letters, browsing). */
function listed(env: MessageEnvelope, deliveries: number): DeadMessage {
  return {
    id: env.id,
    body: env.body,
    publishedAt: env.publishedAt,
    deliveries,
    ...(env.dedupId === undefined ? {} : { dedupId: env.dedupId }),
    ...placement(env),
  };
}

/** Flat {id, envelope, deliveries, ...} -> dead letters. */
export function decodeDead(reply: unknown): DeadMessage[] {
  const flat = replyArray(reply, 'dead');
  const out: DeadMessage[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const env = decodeEnvelope(replyString(flat[i + 1], 'dead'));
    out.push(listed(env, replyInt(flat[i + 2], 'dead')));
  }
  return out;
}

/** Flat {id, envelope, deliveries, at, ...} -> browsed messages; `at` is deliverAt or visibleAt by state. */
export function decodeBrowsed(reply: unknown, state: BrowseState): BrowsedMessage[] {
  const flat = replyArray(reply, 'browse');
  const out: BrowsedMessage[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const env = decodeEnvelope(replyString(flat[i + 1], 'browse'));
    const message = listed(env, replyInt(flat[i + 2], 'browse'));
    if (state === 'ready') out.push(message);
    else {
      const at = replyInt(flat[i + 3], 'browse');
      out.push(state === 'delayed' ? { ...message, deliverAt: at } : { ...message, visibleAt: at });
    }
  }
  return out;
}

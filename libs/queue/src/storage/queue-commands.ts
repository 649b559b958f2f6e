// Registers the queue scripts on an ioredis client with defineCommand (EVALSHA
// with an EVAL fallback after a script-cache flush or a failover) and calls
// them by name. ioredis adds defined commands at run time, so the typed
// caller below is the one place that looks them up dynamically.

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisErrorCode } from '@dss/resp';
import { TOPIC_KEY_COUNT } from './lua-common.js';
import { CONSUME_LUA } from './lua-consume.js';
import { PROMOTE_LUA, PURGE_DEAD_LUA, REDRIVE_IDS_LUA, REDRIVE_LUA, REQUEUE_LUA } from './lua-maintenance.js';
import { PUBLISH_LUA, PUBLISH_TAKE_LUA } from './lua-publish.js';
import { BROWSE_LUA, DEAD_LUA, NEXT_DUE_LUA, STATS_LUA } from './lua-reads.js';
import { ACK_LUA, EXTEND_LUA, NACK_LUA } from './lua-receipts.js';
import { QueueStorageError } from './queue-errors.js';
import { type TopicKeys } from './queue-keys.js';

// Prefixed names: the client may be shared with other modules.
const QUEUE_COMMANDS = {
  dssqPublish: { lua: PUBLISH_LUA, numberOfKeys: TOPIC_KEY_COUNT + 1, readOnly: false },
  dssqPublishTake: { lua: PUBLISH_TAKE_LUA, numberOfKeys: TOPIC_KEY_COUNT + 1, readOnly: false },
  dssqConsume: { lua: CONSUME_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqAck: { lua: ACK_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqNack: { lua: NACK_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqExtend: { lua: EXTEND_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqPromote: { lua: PROMOTE_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqRequeue: { lua: REQUEUE_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqRedrive: { lua: REDRIVE_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqRedriveIds: { lua: REDRIVE_IDS_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqPurgeDead: { lua: PURGE_DEAD_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: false },
  dssqStats: { lua: STATS_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: true },
  dssqNextDue: { lua: NEXT_DUE_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: true },
  dssqDead: { lua: DEAD_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: true },
  dssqBrowse: { lua: BROWSE_LUA, numberOfKeys: TOPIC_KEY_COUNT, readOnly: true },
} as const;

export type QueueCommand = keyof typeof QUEUE_COMMANDS;
export const QUEUE_COMMAND_NAMES = Object.keys(QUEUE_COMMANDS) as QueueCommand[];

type ScriptArg = string | number;
type ScriptFn = (...args: ScriptArg[]) => Promise<unknown>;

/** Idempotent: redefining replaces the same script. */
export function defineQueueCommands(redis: Redis): void {
  for (const name of QUEUE_COMMAND_NAMES) redis.defineCommand(name, QUEUE_COMMANDS[name]);
}

/** The topic keys in the order every script's KEY_PREAMBLE expects. */
export function topicKeyList(k: TopicKeys): string[] {
  return [
    k.messages,
    k.ready,
    k.delayed,
    k.inflight,
    k.receipts,
    k.deliveries,
    k.dead,
    k.meta,
    k.groups,
    k.levels,
    k.state,
  ];
}

export function runQueueCommand(
  redis: Redis,
  name: QueueCommand,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  const fn: unknown = (redis as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new QueueStorageError(`queue script ${name} is not defined on this client`);
  return (fn as ScriptFn).apply(redis, [...keys, ...args]);
}

const SHAS = new Map(
  QUEUE_COMMAND_NAMES.map((name) => [name, createHash('sha1').update(QUEUE_COMMANDS[name].lua).digest('hex')]),
);

/**
 * EVALSHA only, without ioredis's EVAL fallback: for a caller that pipelines
 * another command behind the script and needs the script to run first (a
 * WAIT). Rejects with Redis's NOSCRIPT error when the server lacks the script
 * (a new primary, SCRIPT FLUSH); the caller then runs runQueueCommand.
 */
export function runLoadedQueueCommand(
  redis: Redis,
  name: QueueCommand,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  return redis.evalsha(SHAS.get(name)!, QUEUE_COMMANDS[name].numberOfKeys, ...keys, ...args);
}

export const isNoScript = (err: unknown): boolean => redisErrorCode(err) === 'NOSCRIPT';

// QueueStore: the queue's state in Redis. Every state change is one Lua
// script (see lua-*.ts), so correctness never rests on which node calls it;
// Node only generates ids/nonces, serializes bodies and decodes replies.
// `now` (ms) is passed in so scripts stay deterministic and testable; it
// defaults to the injected clock. Works with a standalone or a
// Sentinel-configured ioredis client (same API).

import type { Redis } from 'ioredis';
import { MessageIdGenerator, receiptNonce } from './message-ids.js';
import { callRedis } from './map-redis-error.js';
import {
  decodeAck,
  decodeBrowsed,
  decodeConsumed,
  decodeDead,
  encodeEnvelope,
  replyArray,
  replyInt,
  replyString,
} from './queue-codec.js';
import {
  defineQueueCommands,
  isNoScript,
  runLoadedQueueCommand,
  runQueueCommand,
  topicKeyList,
  type QueueCommand,
} from './queue-commands.js';
import { connectionMark, TurnWaits, writeThenWait, type ConnectionMark } from '@dss/config';
import { checkAppendOnly, durabilityOf, waitDurable } from './queue-durability.js';
import { QueueFencedError, QueueStorageError } from './queue-errors.js';
import {
  assertBatch,
  assertBatchBytes,
  assertInt,
  assertTopic,
  publishPlacement,
  serializeBody,
} from './queue-input.js';
import { dedupKey, TOPICS_KEY, topicKeys } from './queue-keys.js';
import {
  DEFAULT_DEDUP_WINDOW_MS,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_PRIORITY,
  DEFAULT_REPLICA_TIMEOUT_MS,
  DEFAULT_VISIBILITY_MS,
  MAX_BATCH,
  MAX_MOVES_PER_SCRIPT,
  TOPIC_PRUNE_IDLE_MS,
  TOPIC_REGISTER_EVERY_MS,
  TOPIC_REGISTER_MEMORY,
} from './queue-limits.js';
import type {
  AckAndConsumeResult,
  AckResult,
  AppendOnlyStatus,
  BrowsedMessage,
  BrowseState,
  ConsumedMessage,
  DeadMessage,
  DurabilityResult,
  ExtendResult,
  NackOutcome,
  NackResult,
  PublishOptions,
  PublishResult,
  QueueStats,
  QueueStoreOptions,
  RedriveIdsResult,
  TopicList,
  TopicListing,
} from './queue-types.js';

/** Nothing in any state and no publish for TOPIC_PRUNE_IDLE_MS (a topic with no recorded publish counts as idle). */
function isIdle(s: QueueStats, publishedAt: number | null, now: number): boolean {
  const empty = s.ready + s.inflight + s.delayed + s.dead + s.waiting + s.groups === 0;
  return empty && (publishedAt === null || now - publishedAt >= TOPIC_PRUNE_IDLE_MS);
}

const NACK_OUTCOMES: Record<number, NackOutcome> = { 1: 'ready', 2: 'delayed', 3: 'dead' };

export class QueueStore {
  readonly maxDeliveries: number;
  readonly dedupWindowMs: number;
  private readonly clock: () => number;
  private readonly onReady: (topic: string, count: number) => void;
  private readonly ids = new MessageIdGenerator();
  /** Topic → when this store last added it to the topic list. */
  private readonly registeredAt = new Map<string, number>();
  /** The publishes of a loop turn share one WAIT (see TurnWaits). */
  private readonly turnWaits: TurnWaits;

  constructor(
    private readonly redis: Redis,
    options: QueueStoreOptions = {},
  ) {
    this.maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    this.dedupWindowMs = options.dedupWindowMs ?? DEFAULT_DEDUP_WINDOW_MS;
    this.clock = options.clock ?? Date.now;
    this.onReady = options.onReady ?? (() => undefined);
    assertInt(this.maxDeliveries, 'maxDeliveries', 1);
    assertInt(this.dedupWindowMs, 'dedupWindowMs', 1);
    defineQueueCommands(redis);
    this.turnWaits = new TurnWaits((replicas, timeoutMs) =>
      callRedis('wait', () => this.redis.wait(replicas, timeoutMs)),
    );
  }

  /**
   * Appends bodies to the topic, all or nothing. With `dedupId`, a repeat
   * within the dedup window returns the original ids and publishes nothing.
   * With `fenceToken`, rejects with QueueFencedError (nothing stored) when a
   * higher token already published to the topic. A batch shares one group,
   * one priority and one fence.
   */
  async publish(
    topic: string,
    bodies: readonly unknown[],
    options: PublishOptions = {},
    now = this.clock(),
  ): Promise<PublishResult> {
    assertTopic(topic);
    assertBatch(bodies.length, 'publish');
    const delayMs = options.delayMs ?? 0;
    assertInt(delayMs, 'delayMs', 0);
    assertInt(now, 'now', 0);
    const { dedupId, fenceToken } = options;
    const { group, priority } = publishPlacement(options);
    if (fenceToken !== undefined) assertInt(fenceToken, 'fence token', 1);
    const { take } = options;
    const takeArgs = take ? this.takeArgs(take.max, take.visibilityMs) : [];
    const args: (string | number)[] = [
      now,
      delayMs,
      dedupId === undefined ? 0 : this.dedupWindowMs,
      fenceToken === undefined ? '' : String(fenceToken),
      group ?? '',
      priority ?? DEFAULT_PRIORITY,
      ...takeArgs,
    ];
    const ids: string[] = [];
    let bytes = 0;
    bodies.forEach((body, i) => {
      const json = serializeBody(body, i);
      bytes += Buffer.byteLength(json);
      const id = this.ids.next(now);
      ids.push(id);
      args.push(id, encodeEnvelope(id, json, now, { dedupId, group, priority }));
    });
    assertBatchBytes(bytes);
    const keys = [...topicKeyList(topicKeys(topic)), dedupKey(topic, dedupId ?? '')];
    // Registry first, on the same connection (so ordered before the script) and
    // in the same round trip. Not in the script: it lives outside the topic's
    // hash slot. A registered topic with nothing in it is harmless.
    const replicas = options.replicas ?? 0;
    const { reply, durability } = await this.publishScript(
      take ? 'dssqPublishTake' : 'dssqPublish',
      topic,
      now,
      keys,
      args,
      replicas,
      options.replicaTimeoutMs ?? DEFAULT_REPLICA_TIMEOUT_MS,
    );
    const flat = replyArray(reply, 'publish');
    const outcome = replyInt(flat[0], 'publish');
    if (outcome === 2) throw new QueueFencedError(fenceToken ?? 0, replyInt(flat[1], 'publish'));
    if (outcome === 0 && group !== undefined) this.readied(topic, flat[1]);
    const result: PublishResult =
      outcome === 1 ? { ids: replyString(flat[1], 'publish').split(','), duplicate: true } : { ids, duplicate: false };
    // A take's reply also carries what it took, and what groups moving on made ready.
    const taken = take && outcome === 0 ? decodeConsumed(flat[2]) : undefined;
    if (taken) this.readied(topic, flat[3]);
    return { ...result, ...(durability ? { durability } : {}), ...(taken ? { taken } : {}) };
  }

  /**
   * The topic registration and the publish script, in that order on one
   * connection, then the turn's WAIT (TurnWaits) behind them, so it counts
   * them. A server without the script (NOSCRIPT: a new primary) ran neither
   * the script nor anything WAIT could count: the script then goes by EVAL,
   * followed by its own WAIT.
   */
  private async publishScript(
    script: 'dssqPublish' | 'dssqPublishTake',
    topic: string,
    now: number,
    keys: readonly string[],
    args: readonly (string | number)[],
    replicas: number,
    timeoutMs: number,
  ): Promise<{ reply: unknown; durability?: DurabilityResult }> {
    const mark = this.connectionMark();
    const register = this.registerDue(topic, now);
    const write = () =>
      callRedis('publish', () =>
        Promise.all([
          register ? this.redis.sadd(TOPICS_KEY, topic) : undefined,
          runLoadedQueueCommand(this.redis, script, keys, args),
        ]),
      );
    let reply: unknown;
    let durability: DurabilityResult | undefined;
    try {
      if (replicas > 0) {
        const written = await writeThenWait(this.redis, this.turnWaits, write, replicas, timeoutMs);
        [, reply] = written.value;
        durability = durabilityOf(replicas, written.acknowledged, written.reconnected);
      } else {
        [, reply] = await write();
      }
    } catch (err) {
      if (!(err instanceof QueueStorageError && isNoScript(err.cause))) throw err;
      reply = await callRedis('publish', () => runQueueCommand(this.redis, script, keys, args));
      return { reply, ...(replicas > 0 ? { durability: await this.waitDurable(replicas, timeoutMs, mark) } : {}) };
    }
    if (register) this.registeredAt.set(topic, now);
    return durability ? { reply, durability } : { reply };
  }

  /** Delivers up to `max` messages, each invisible to others for `visibilityMs`. */
  async consume(
    topic: string,
    max: number,
    visibilityMs = DEFAULT_VISIBILITY_MS,
    now = this.clock(),
  ): Promise<ConsumedMessage[]> {
    return (await this.ackAndConsume(topic, [], max, visibilityMs, now)).messages;
  }

  /**
   * Acks `receipts` (as ack does), then delivers up to `max` messages, in one
   * script: a consumer loop's "done with these, give me more" is one round trip.
   */
  async ackAndConsume(
    topic: string,
    receipts: readonly string[],
    max: number,
    visibilityMs = DEFAULT_VISIBILITY_MS,
    now = this.clock(),
  ): Promise<AckAndConsumeResult> {
    const takeArgs = this.takeArgs(max, visibilityMs);
    // No receipts is a plain consume; assertBatch would refuse it as an empty ack.
    if (receipts.length > 0) assertBatch(receipts.length, 'ack');
    const reply = replyArray(await this.run(topic, now, 'dssqConsume', [...takeArgs, ...receipts]), 'consume');
    this.readied(topic, reply[3]);
    return { ...decodeAck(reply), messages: decodeConsumed(reply[2]) };
  }

  /** A take's script arguments (consume, publish-take: take_batch), checked: max, visibilityMs, maxDeliveries, nonce, moveLimit. */
  private takeArgs(max: number, visibilityMs: number): (string | number)[] {
    assertInt(max, 'max', 1, MAX_BATCH);
    assertInt(visibilityMs, 'visibilityMs', 1);
    return [max, visibilityMs, this.maxDeliveries, receiptNonce(), MAX_MOVES_PER_SCRIPT];
  }

  /** Deletes the messages of live receipts; the others come back as stale. */
  async ack(topic: string, receipts: readonly string[], now = this.clock()): Promise<AckResult> {
    assertBatch(receipts.length, 'ack');
    const reply = replyArray(await this.run(topic, now, 'dssqAck', receipts), 'ack');
    this.readied(topic, reply[2]);
    return decodeAck(reply);
  }

  /** Ends a delivery early: ready at once, after `delayMs`, or dead when out of deliveries. */
  async nack(topic: string, receipt: string, delayMs = 0, now = this.clock()): Promise<NackResult> {
    assertInt(delayMs, 'delayMs', 0);
    const reply = replyArray(await this.run(topic, now, 'dssqNack', [receipt, delayMs, this.maxDeliveries]), 'nack');
    const code = replyInt(reply[0], 'nack');
    if (code === 0) return { stale: true };
    const outcome = NACK_OUTCOMES[code];
    if (outcome === undefined) throw new QueueStorageError(`nack: unexpected reply ${code}`);
    this.readied(topic, reply[1]);
    return { stale: false, outcome };
  }

  /** Keeps a delivery invisible until now + visibilityMs (heartbeat). */
  async extend(topic: string, receipt: string, visibilityMs: number, now = this.clock()): Promise<ExtendResult> {
    assertInt(visibilityMs, 'visibilityMs', 1);
    const deadline = replyInt(await this.run(topic, now, 'dssqExtend', [receipt, visibilityMs]), 'extend');
    return deadline < 0 ? { stale: true } : { stale: false, deadline };
  }

  /** Takes back every delivery whose window ended by `now`; returns how many. */
  async requeueExpired(topic: string, now = this.clock()): Promise<number> {
    let total = 0;
    for (;;) {
      const reply = replyArray(
        await this.run(topic, now, 'dssqRequeue', [MAX_MOVES_PER_SCRIPT, this.maxDeliveries]),
        'requeue',
      );
      const n = replyInt(reply[0], 'requeue');
      this.readied(topic, reply[1]);
      total += n;
      if (n < MAX_MOVES_PER_SCRIPT) return total;
    }
  }

  /** Moves every delayed message due by `now` to ready; returns how many. */
  promoteDue(topic: string, now = this.clock()): Promise<number> {
    return this.drain((limit) => this.run(topic, now, 'dssqPromote', [limit]));
  }

  /** Earliest delayed due time or in-flight deadline (ms), or null when neither exists. */
  async nextDueAt(topic: string): Promise<number | null> {
    const reply = await this.run(topic, null, 'dssqNextDue', []);
    return reply === null ? null : Number(replyString(reply, 'nextDueAt'));
  }

  async stats(topic: string): Promise<QueueStats> {
    return (await this.statsAndLastPublish(topic)).stats;
  }

  /** Counts, and when the topic last took a publish (null: never, or before publishes were recorded). */
  private async statsAndLastPublish(topic: string): Promise<{ stats: QueueStats; publishedAt: number | null }> {
    const reply = replyArray(await this.run(topic, null, 'dssqStats', []), 'stats');
    const [ready, inflight, delayed, dead, waiting, groups] = reply.slice(0, 6).map((n) => replyInt(n, 'stats'));
    const optional = (n: unknown) => (n === null || n === undefined ? undefined : replyInt(n, 'stats'));
    const fence = optional(reply[6]);
    return {
      stats: { ready, inflight, delayed, dead, waiting, groups, ...(fence === undefined ? {} : { fence }) },
      publishedAt: optional(reply[7]) ?? null,
    };
  }

  /** Oldest dead letters first, at most `limit`. */
  async dead(topic: string, limit = 100): Promise<DeadMessage[]> {
    assertInt(limit, 'limit', 1, MAX_BATCH);
    return decodeDead(await this.run(topic, null, 'dssqDead', [limit]));
  }

  /** Moves up to `max` (default all) dead letters to the tail of ready with deliveries reset. */
  async redrive(topic: string, max = Number.MAX_SAFE_INTEGER): Promise<number> {
    assertInt(max, 'max', 1);
    let moved = 0;
    while (moved < max) {
      const limit = Math.min(MAX_MOVES_PER_SCRIPT, max - moved);
      const n = replyInt(await this.run(topic, null, 'dssqRedrive', [limit]), 'redrive');
      moved += n;
      if (n < limit) break;
    }
    return moved;
  }

  /** Every topic in the topic list (published to, not pruned since), sorted. */
  async topics(): Promise<string[]> {
    const members = await callRedis('topics', () => this.redis.smembers(TOPICS_KEY));
    return members.sort();
  }

  /**
   * The listed topics whose name starts with `prefix`, sorted, at most `limit`,
   * each with its counts. A topic with nothing in any state and no publish for
   * TOPIC_PRUNE_IDLE_MS is dropped from the topic list here instead of being
   * listed (it comes back with its next publish): the list, which every
   * owner's redelivery monitor walks, then does not grow with every topic ever
   * used. Counts are read per topic, concurrently; the list is not one snapshot.
   */
  async listTopics(prefix: string, limit: number, now = this.clock()): Promise<TopicList> {
    assertInt(limit, 'limit', 1);
    const names = (await this.topics()).filter((t) => t.startsWith(prefix));
    const listed: TopicListing[] = [];
    let next = 0;
    while (listed.length < limit && next < names.length) {
      const batch = names.slice(next, next + (limit - listed.length));
      next += batch.length;
      const read = await Promise.all(
        batch.map(async (topic) => ({ topic, ...(await this.statsAndLastPublish(topic)) })),
      );
      for (const r of read) {
        if (isIdle(r.stats, r.publishedAt, now) && (await this.prune(r.topic, now))) continue;
        listed.push({ topic: r.topic, stats: r.stats });
      }
    }
    return { topics: listed, truncated: next < names.length };
  }

  /**
   * Drops an idle topic from the topic list; true when it stays dropped. The
   * registry is outside the topic's hash slot, so no script can check and
   * remove at once: the topic is read again after the removal, and a publish
   * that came in between puts it back.
   */
  private async prune(topic: string, now: number): Promise<boolean> {
    await callRedis('topics', () => this.redis.srem(TOPICS_KEY, topic));
    const again = await this.statsAndLastPublish(topic);
    if (isIdle(again.stats, again.publishedAt, now)) return true;
    await callRedis('topics', () => this.redis.sadd(TOPICS_KEY, topic));
    return false;
  }

  /**
   * Up to `limit` messages of one state, without changing anything: ready in
   * delivery order (highest priority first), delayed by due time, in flight
   * by visibility deadline.
   */
  async browse(topic: string, state: BrowseState, limit: number): Promise<BrowsedMessage[]> {
    assertInt(limit, 'limit', 1, MAX_BATCH);
    return decodeBrowsed(await this.run(topic, null, 'dssqBrowse', [state, limit]), state);
  }

  /** Moves the named dead letters back as redrive does, in one script; ids not dead here come back as notFound. */
  async redriveIds(topic: string, ids: readonly string[]): Promise<RedriveIdsResult> {
    const distinct = [...new Set(ids)];
    assertBatch(distinct.length, 'redrive');
    const reply = replyArray(await this.run(topic, null, 'dssqRedriveIds', distinct), 'redrive');
    return {
      redriven: replyInt(reply[0], 'redrive'),
      notFound: replyArray(reply[1], 'redrive').map((id) => replyString(id, 'redrive')),
    };
  }

  /**
   * Deletes every dead letter of the topic with its envelope and bookkeeping;
   * returns how many. Runs in scripts of at most MAX_MOVES_PER_SCRIPT, each
   * atomic (no message is ever half deleted), so a long dead list never
   * blocks Redis for long; a letter dying meanwhile may or may not be purged.
   */
  purgeDead(topic: string): Promise<number> {
    return this.drain((limit) => this.run(topic, null, 'dssqPurgeDead', [limit]));
  }

  /** The connection now: take it before a write, hand it to waitDurable. */
  connectionMark(): ConnectionMark {
    return connectionMark(this.redis);
  }

  /** WAIT for `replicas` replicas (0 = no-op); call after a write made since `since`, before answering. */
  waitDurable(replicas: number, timeoutMs: number, since?: ConnectionMark): Promise<DurabilityResult> {
    return waitDurable(this.redis, replicas, timeoutMs, since);
  }

  /** Whether Redis runs with the append-only file on; without it the service must not claim durability. */
  checkAppendOnly(): Promise<AppendOnlyStatus> {
    return checkAppendOnly(this.redis);
  }

  /** A script's count of messages made ready behind the caller's back (groups moving on), to onReady. */
  private readied(topic: string, reply: unknown): void {
    const n = replyInt(reply, 'readied');
    if (n > 0) this.onReady(topic, n);
  }

  private registerDue(topic: string, now: number): boolean {
    const at = this.registeredAt.get(topic);
    if (at !== undefined && now - at >= 0 && now - at < TOPIC_REGISTER_EVERY_MS) return false;
    if (this.registeredAt.size >= TOPIC_REGISTER_MEMORY) this.registeredAt.clear();
    return true;
  }

  /** Runs one topic script; `now` (when the script takes it) goes first in ARGV. */
  private run(
    topic: string,
    now: number | null,
    command: QueueCommand,
    args: readonly (string | number)[],
  ): Promise<unknown> {
    assertTopic(topic);
    if (now !== null) assertInt(now, 'now', 0);
    const argv = now === null ? args : [now, ...args];
    return callRedis(command, () => runQueueCommand(this.redis, command, topicKeyList(topicKeys(topic)), argv));
  }

  /** Repeats a bounded maintenance script until it moves less than its limit. */
  private async drain(step: (limit: number) => Promise<unknown>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = replyInt(await step(MAX_MOVES_PER_SCRIPT), 'maintenance');
      total += n;
      if (n < MAX_MOVES_PER_SCRIPT) return total;
    }
  }
}

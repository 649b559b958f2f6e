import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { DSS_CONFIG, replicasToAck, type NodeConfig } from '@dss/config';
import { fail, ok, parseBody, type ApiAnswer } from '@dss/http';
import {
  ackBody,
  browseQuery,
  consumeBody,
  extendBody,
  nackBody,
  publishBody,
  redriveBody,
  topicListQuery,
  topicParams,
  type AckBody,
  type BrowseQuery,
  type ConsumeBody,
  type ExtendBody,
  type NackBody,
  type PublishBody,
  type RedriveBody,
  type TopicListQuery,
} from './queue-dto.js';
import { QUEUE_LIMITS } from './queue-limits.js';
import { QUEUE_METRICS } from './queue-metrics.js';
import {
  QueueFencedError,
  QueueInputError,
  QueuePayloadTooLargeError,
  QueueStorageUnavailableError,
} from './storage/queue-errors.js';
import { QueueStore } from './storage/queue-store.js';
import type { AckResult, ConsumedMessage } from './storage/queue-types.js';
import { TopicOwnership } from './topic-ownership.service.js';
import { TopicWakeups } from './topic-wakeups.service.js';

export type QueueOp =
  'publish' | 'consume' | 'ack' | 'nack' | 'extend' | 'topics' | 'stats' | 'dead' | 'browse' | 'redrive' | 'purge';

/**
 * Runs queue requests on the node that receives them: every storage operation
 * is one atomic Redis script, so any node's answer is as correct as any
 * other's, and a forward to one place would only add a hop. What needs one
 * place (the redelivery monitor, the depth gauges) runs on the topic's owner
 * (TopicOwnership); long-polling consumers on every node are woken through
 * Redis (TopicWakeups).
 */
@Injectable()
export class QueueService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');
  private readonly replicasToAck: number;
  /** `input` is the body, or the path parameters; `extra` the query or the body of a route with both. */
  private readonly ops: Record<QueueOp, (input: unknown, extra: unknown) => Promise<ApiAnswer>> = {
    publish: (input) => this.publish(parseBody(publishBody, input)),
    consume: (input) => this.consume(parseBody(consumeBody, input)),
    ack: (input) => this.ack(parseBody(ackBody, input)),
    nack: (input) => this.nack(parseBody(nackBody, input)),
    extend: (input) => this.extend(parseBody(extendBody, input)),
    topics: (input) => this.topics(parseBody(topicListQuery, input)),
    stats: (input) => this.stats(parseBody(topicParams, input).topic),
    dead: (input) => this.dead(parseBody(topicParams, input).topic),
    browse: (input, query) => this.browse(parseBody(topicParams, input).topic, parseBody(browseQuery, query)),
    // No body is the redrive of everything it always was.
    redrive: (input, body) => this.redrive(parseBody(topicParams, input).topic, parseBody(redriveBody, body ?? {})),
    purge: (input) => this.purge(parseBody(topicParams, input).topic),
  };

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    private readonly store: QueueStore,
    private readonly ownership: TopicOwnership,
    private readonly wakeups: TopicWakeups,
    @InjectMetric(QUEUE_METRICS.published) private readonly published: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.delivered) private readonly delivered: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.redelivered) private readonly redelivered: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.acked) private readonly acked: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.staleReceipts) private readonly stale: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.publishSeconds) private readonly publishSeconds: Histogram<'topic'>,
    @InjectMetric(QUEUE_METRICS.endToEndSeconds) private readonly endToEnd: Histogram<'topic'>,
    @InjectMetric(QUEUE_METRICS.fenced) private readonly fenced: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.handedOff) private readonly handedOff: Counter<'topic'>,
  ) {
    this.replicasToAck = replicasToAck(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    const aof = await this.store.checkAppendOnly().catch(() => undefined);
    if (aof && !aof.enabled)
      this.logger.warn(
        'Redis runs without its append-only file: a Redis crash would lose published messages (set appendonly yes)',
      );
  }

  /** A client request: validated (400 on bad input, nothing written), then run here. */
  async handle(op: QueueOp, input: unknown, extra?: unknown): Promise<ApiAnswer> {
    try {
      return await this.ops[op](input, extra);
    } catch (err) {
      if (err instanceof QueueStorageUnavailableError)
        return fail('UNAVAILABLE', `queue storage (Redis) is not reachable: ${err.message}`);
      if (err instanceof QueuePayloadTooLargeError) return fail('PAYLOAD_TOO_LARGE', err.message);
      if (err instanceof QueueInputError) return fail('INVALID_ARGUMENT', err.message);
      throw err;
    }
  }

  private async publish(b: PublishBody): Promise<ApiAnswer> {
    const bodies = b.messages ?? [b.message];
    if (bodies.some((m) => m === undefined)) return fail('INVALID_ARGUMENT', 'a message must be a JSON value');
    const stop = this.publishSeconds.startTimer({ topic: b.topic });
    const immediate = !b.delayMs && b.group === undefined;
    // The handoff: with a consumer long-polling this topic here, the publish's
    // script also takes for it, and it gets its messages with the producer's
    // answer, without a wake-up, a consume script and a third request per message.
    const claim = immediate ? this.wakeups.claim(b.topic) : undefined;
    const result = await this.store
      .publish(b.topic, bodies, {
        delayMs: b.delayMs,
        dedupId: b.dedupId,
        group: b.group,
        priority: b.priority,
        fenceToken: b.fence?.token,
        replicas: this.replicasToAck,
        take: claim && { max: claim.max, visibilityMs: claim.visibilityMs },
      })
      .catch((err: unknown) => {
        // Nothing taken: the consumer looks for itself.
        claim?.hand([]);
        if (!(err instanceof QueueFencedError)) throw err;
        return err;
      });
    if (result instanceof QueueFencedError) {
      this.fenced.inc({ topic: b.topic });
      return fail('FENCED', result.message, { token: result.token, fence: result.fence });
    }
    // Taken messages are in flight under their receipts whatever the replicas say: deliver them.
    const taken = result.taken?.length ?? 0;
    if (taken > 0) this.handedOff.inc({ topic: b.topic }, taken);
    claim?.hand(result.taken ?? []);
    const durable = result.durability;
    if (durable && !durable.durable) {
      if (durable.reconnected)
        return fail(
          'UNAVAILABLE',
          'the connection to Redis changed during the publish (a failover?), so its durability is unknown; publish again with the same dedupId',
        );
      return fail(
        'UNAVAILABLE',
        `stored, but only ${durable.acknowledged} of ${this.replicasToAck} Redis replicas confirmed it; publish again with the same dedupId`,
      );
    }
    stop();
    if (!result.duplicate) {
      this.published.inc({ topic: b.topic }, result.ids.length);
      // A grouped publish: the store reported what became ready (onReady).
      if (immediate && result.ids.length > taken) this.wakeups.notify(b.topic, result.ids.length - taken);
    }
    return ok({ ids: result.ids, ...(result.duplicate ? { duplicate: true } : {}) }, 201);
  }

  /**
   * Takes up to `max` messages, long-polling up to `waitMs` for the first.
   * Receipts in `ack` are acked first, in the same script (ack-and-fetch);
   * the answer then says how many were acked and which were stale.
   */
  private async consume(b: ConsumeBody): Promise<ApiAnswer> {
    const deadline = Date.now() + b.waitMs;
    const visibilityMs = b.visibilityMs ?? QUEUE_LIMITS.defaultVisibilityMs;
    let acks: AckResult | undefined;
    for (;;) {
      let messages: readonly ConsumedMessage[];
      if (b.ack && !acks) {
        const result = await this.store.ackAndConsume(b.topic, b.ack, b.max, visibilityMs);
        acks = this.counted(b.topic, result);
        messages = result.messages;
      } else {
        messages = await this.store.consume(b.topic, b.max, visibilityMs);
      }
      if (messages.length > 0 || Date.now() >= deadline) return this.consumed(b.topic, messages, acks);
      // Subscribed just now: a message may have come before, so look again before sleeping.
      if (await this.wakeups.watch(b.topic)) continue;
      const end = await this.wakeups.wait(b.topic, deadline - Date.now(), { max: b.max, visibilityMs });
      if (end.kind === 'handoff') return this.consumed(b.topic, end.messages, acks);
    }
  }

  private consumed(topic: string, messages: readonly ConsumedMessage[], acks: AckResult | undefined): ApiAnswer {
    const delivered = { messages: messages.map((m) => this.delivery(topic, m)) };
    return ok(acks ? { ...delivered, acked: acks.acked, stale: acks.stale } : delivered);
  }

  private delivery(topic: string, m: ConsumedMessage) {
    this.delivered.inc({ topic });
    if (m.deliveries > 1) this.redelivered.inc({ topic });
    else this.endToEnd.observe({ topic }, Math.max(0, Date.now() - m.publishedAt) / 1000);
    return {
      id: m.id,
      receipt: m.receipt,
      body: m.body,
      deliveries: m.deliveries,
      publishedAt: m.publishedAt,
      ...(m.group === undefined ? {} : { group: m.group }),
      ...(m.priority === undefined ? {} : { priority: m.priority }),
    };
  }

  private async ack(b: AckBody): Promise<ApiAnswer> {
    const result = this.counted(b.topic, await this.store.ack(b.topic, b.receipts ?? [b.receipt!]));
    if (b.receipt !== undefined && result.stale.length > 0) {
      return fail(
        'STALE_RECEIPT',
        'the receipt is no longer valid: its visibility timeout ran out (the message may be redelivered) or it was acked already',
        { receipt: b.receipt },
      );
    }
    return ok({ acked: result.acked, stale: result.stale });
  }

  private counted(topic: string, result: AckResult): AckResult {
    this.acked.inc({ topic }, result.acked);
    if (result.stale.length > 0) this.stale.inc({ topic }, result.stale.length);
    return result;
  }

  private async nack(b: NackBody): Promise<ApiAnswer> {
    const result = await this.store.nack(b.topic, b.receipt, b.delayMs);
    if (result.stale) {
      this.stale.inc({ topic: b.topic });
      return fail('STALE_RECEIPT', 'the receipt is no longer valid', { receipt: b.receipt });
    }
    if (result.outcome === 'ready') this.wakeups.notify(b.topic, 1);
    return ok({ nacked: true, outcome: result.outcome });
  }

  private async extend(b: ExtendBody): Promise<ApiAnswer> {
    const result = await this.store.extend(b.topic, b.receipt, b.visibilityMs);
    if (result.stale) {
      this.stale.inc({ topic: b.topic });
      return fail('STALE_RECEIPT', 'the receipt is no longer valid', { receipt: b.receipt });
    }
    return ok({ extended: true, visibleAt: result.deadline });
  }

  private async stats(topic: string): Promise<ApiAnswer> {
    const s = await this.store.stats(topic);
    return ok({ topic, owner: this.ownership.owner(topic), ...s });
  }

  private async dead(topic: string): Promise<ApiAnswer> {
    return ok({ topic, messages: await this.store.dead(topic, QUEUE_LIMITS.deadListMax) });
  }

  /** Every topic of the shared topic list: any node answers the same (owners are computed here, as stats does). */
  private async topics(q: TopicListQuery): Promise<ApiAnswer> {
    const list = await this.store.listTopics(q.prefix, q.limit);
    return ok({
      topics: list.topics.map((t) => ({ topic: t.topic, owner: this.ownership.owner(t.topic), ...t.stats })),
      truncated: list.truncated,
    });
  }

  private async browse(topic: string, q: BrowseQuery): Promise<ApiAnswer> {
    return ok({ topic, state: q.state, messages: await this.store.browse(topic, q.state, q.limit) });
  }

  private async redrive(topic: string, b: RedriveBody): Promise<ApiAnswer> {
    if (b.ids) {
      const { redriven, notFound } = await this.store.redriveIds(topic, b.ids);
      if (redriven > 0) this.wakeups.notify(topic, redriven);
      return ok({ topic, redriven, notFound });
    }
    const moved = await this.store.redrive(topic);
    if (moved > 0) this.wakeups.notify(topic, moved);
    return ok({ topic, redriven: moved });
  }

  private async purge(topic: string): Promise<ApiAnswer> {
    return ok({ topic, purged: await this.store.purgeDead(topic) });
  }
}

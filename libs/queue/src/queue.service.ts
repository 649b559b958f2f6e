import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { DSS_CONFIG, replicasToAck, type NodeConfig } from '@dss/config';
import { ApiError, fail, ok, parseBody, type ApiAnswer } from '@dss/http';
import { PeerClients } from '@dss/transport';
import { ackBody, consumeBody, extendBody, nackBody, publishBody, topicParams } from './queue-dto.js';
import { QUEUE_FORWARD_MARGIN_MS, QUEUE_LIMITS } from './queue-limits.js';
import { QUEUE_METRICS } from './queue-metrics.js';
import { QueueInputError, QueuePayloadTooLargeError, QueueStorageUnavailableError } from './storage/queue-errors.js';
import { QueueStore } from './storage/queue-store.js';
import type { ConsumedMessage } from './storage/queue-types.js';
import { TopicOwnership } from './topic-ownership.service.js';
import { TopicSignals } from './topic-signals.js';

export type QueueOp = 'publish' | 'consume' | 'ack' | 'nack' | 'extend' | 'stats' | 'dead' | 'redrive';
export const QUEUE_OPS: readonly QueueOp[] = ['publish', 'consume', 'ack', 'nack', 'extend', 'stats', 'dead', 'redrive'];

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** A client request handed to the topic's owner, which executes it. */
    'queue.forward': { request: { op: QueueOp; body: unknown }; response: ApiAnswer };
  }
}

const SCHEMAS = { publish: publishBody, consume: consumeBody, ack: ackBody, nack: nackBody, extend: extendBody, stats: topicParams, dead: topicParams, redrive: topicParams };

/**
 * Runs queue requests. Any node accepts any request and hands it to the
 * topic's owner (which runs the topic's redelivery and wakes its long-polling
 * consumers); if the owner cannot be reached the node runs it itself: every
 * storage operation is one atomic Redis script, so the answer is as correct.
 */
@Injectable()
export class QueueService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');
  private readonly replicasToAck: number;

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    private readonly store: QueueStore,
    private readonly ownership: TopicOwnership,
    private readonly signals: TopicSignals,
    private readonly peers: PeerClients,
    @InjectMetric(QUEUE_METRICS.published) private readonly published: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.delivered) private readonly delivered: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.redelivered) private readonly redelivered: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.acked) private readonly acked: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.staleReceipts) private readonly stale: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.publishSeconds) private readonly publishSeconds: Histogram<'topic'>,
    @InjectMetric(QUEUE_METRICS.endToEndSeconds) private readonly endToEnd: Histogram<'topic'>,
  ) {
    this.replicasToAck = replicasToAck(config);
  }

  async onApplicationBootstrap(): Promise<void> {
    const aof = await this.store.checkAppendOnly().catch(() => undefined);
    if (aof && !aof.enabled) this.logger.warn('Redis runs without its append-only file: a Redis crash would lose published messages (set appendonly yes)');
  }

  /** A client request on any node. */
  async handle(op: QueueOp, input: unknown): Promise<ApiAnswer> {
    const body = parseBody(SCHEMAS[op] as never, input) as { topic: string; waitMs?: number };
    const owner = this.ownership.owner(body.topic);
    if (owner !== this.ownership.self) {
      try {
        const timeoutMs = (body.waitMs ?? 0) + QUEUE_FORWARD_MARGIN_MS;
        return await this.peers.call(owner, 'queue.forward', { op, body }, { timeoutMs });
      } catch {
        // The owner is down or slow: serve it here (ownership moves on the next probe).
      }
    }
    return this.execute(op, body);
  }

  /** A request forwarded by a peer: run it here whoever owns the topic now. */
  handleForwarded(op: QueueOp, input: unknown): Promise<ApiAnswer> {
    if (!QUEUE_OPS.includes(op)) return Promise.resolve(fail('INVALID_ARGUMENT', `unknown queue operation ${String(op)}`));
    try {
      return this.execute(op, parseBody(SCHEMAS[op] as never, input));
    } catch (err) {
      if (err instanceof ApiError) return Promise.resolve({ status: err.getStatus(), body: err.getResponse() as Record<string, unknown> });
      throw err;
    }
  }

  private async execute(op: QueueOp, body: object): Promise<ApiAnswer> {
    try {
      switch (op) {
        case 'publish':
          return await this.publish(body as never);
        case 'consume':
          return await this.consume(body as never);
        case 'ack':
          return await this.ack(body as never);
        case 'nack':
          return await this.nack(body as never);
        case 'extend':
          return await this.extend(body as never);
        case 'stats':
          return await this.stats((body as { topic: string }).topic);
        case 'dead':
          return ok({ topic: (body as { topic: string }).topic, messages: await this.store.dead((body as { topic: string }).topic, QUEUE_LIMITS.deadListMax) });
        case 'redrive': {
          const topic = (body as { topic: string }).topic;
          const moved = await this.store.redrive(topic);
          if (moved > 0) this.signals.signal(topic, moved);
          return ok({ topic, redriven: moved });
        }
      }
    } catch (err) {
      if (err instanceof QueueStorageUnavailableError) return fail('UNAVAILABLE', `queue storage (Redis) is not reachable: ${err.message}`);
      if (err instanceof QueuePayloadTooLargeError) return fail('PAYLOAD_TOO_LARGE', err.message);
      if (err instanceof QueueInputError) return fail('INVALID_ARGUMENT', err.message);
      throw err;
    }
  }

  private async publish(b: { topic: string; message?: unknown; messages?: unknown[]; delayMs?: number; dedupId?: string }): Promise<ApiAnswer> {
    const bodies = b.messages ?? [b.message];
    if (bodies.some((m) => m === undefined)) return fail('INVALID_ARGUMENT', 'a message must be a JSON value');
    const stop = this.publishSeconds.startTimer({ topic: b.topic });
    const connection = this.store.connectionMark();
    const result = await this.store.publish(b.topic, bodies, { delayMs: b.delayMs, dedupId: b.dedupId });
    if (this.replicasToAck > 0) {
      const durable = await this.store.waitDurable(this.replicasToAck, 1000, connection);
      if (durable.reconnected) return fail('UNAVAILABLE', 'the connection to Redis changed during the publish (a failover?), so its durability is unknown; publish again with the same dedupId');
      if (!durable.durable) return fail('UNAVAILABLE', `stored, but only ${durable.acknowledged} of ${this.replicasToAck} Redis replicas confirmed it; publish again with the same dedupId`);
    }
    stop();
    if (!result.duplicate) {
      this.published.inc({ topic: b.topic }, result.ids.length);
      if (!b.delayMs) this.signals.signal(b.topic, result.ids.length);
    }
    return ok({ ids: result.ids, ...(result.duplicate ? { duplicate: true } : {}) }, 201);
  }

  private async consume(b: { topic: string; max: number; visibilityMs?: number; waitMs: number }): Promise<ApiAnswer> {
    const deadline = Date.now() + b.waitMs;
    for (;;) {
      const messages = await this.store.consume(b.topic, b.max, b.visibilityMs ?? QUEUE_LIMITS.defaultVisibilityMs);
      if (messages.length > 0 || Date.now() >= deadline) return ok({ messages: messages.map((m) => this.delivery(b.topic, m)) });
      // Long poll: a publish here, or the redelivery monitor, wakes us; the
      // timeout bounds the wait for work that only another node noticed.
      await this.signals.wait(b.topic, Math.min(deadline - Date.now(), 1000));
    }
  }

  private delivery(topic: string, m: ConsumedMessage) {
    this.delivered.inc({ topic });
    if (m.deliveries > 1) this.redelivered.inc({ topic });
    else this.endToEnd.observe({ topic }, Math.max(0, Date.now() - m.publishedAt) / 1000);
    return { id: m.id, receipt: m.receipt, body: m.body, deliveries: m.deliveries, publishedAt: m.publishedAt };
  }

  private async ack(b: { topic: string; receipt?: string; receipts?: string[] }): Promise<ApiAnswer> {
    const receipts = b.receipts ?? [b.receipt!];
    const result = await this.store.ack(b.topic, receipts);
    this.acked.inc({ topic: b.topic }, result.acked);
    if (result.stale.length > 0) this.stale.inc({ topic: b.topic }, result.stale.length);
    if (b.receipt !== undefined && result.stale.length > 0) {
      return fail('STALE_RECEIPT', 'the receipt is no longer valid: its visibility timeout ran out (the message may be redelivered) or it was acked already', { receipt: b.receipt });
    }
    return ok({ acked: result.acked, stale: result.stale });
  }

  private async nack(b: { topic: string; receipt: string; delayMs: number }): Promise<ApiAnswer> {
    const result = await this.store.nack(b.topic, b.receipt, b.delayMs);
    if (result.stale) {
      this.stale.inc({ topic: b.topic });
      return fail('STALE_RECEIPT', 'the receipt is no longer valid', { receipt: b.receipt });
    }
    if (result.outcome === 'ready') this.signals.signal(b.topic, 1);
    return ok({ nacked: true, outcome: result.outcome });
  }

  private async extend(b: { topic: string; receipt: string; visibilityMs: number }): Promise<ApiAnswer> {
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
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { QUEUE_WAKEUP_FALLBACK_MS, QUEUE_WAKEUP_LINGER_MS } from './queue-limits.js';
import { QUEUE_REDIS, QUEUE_SUBSCRIBER } from './redis.provider.js';
import { TopicSignals, type Appetite, type Claim, type WaitEnd } from './topic-signals.js';

/** The Redis pub/sub channel that announces ready messages of a topic. */
export const wakeupChannel = (topic: string): string => `dssq:wakeup:${topic}`;
const CHANNEL_PREFIX = wakeupChannel('');

interface Subscription {
  /** Settles once Redis confirmed the subscription (true) or refused it (false). */
  readonly confirmed: Promise<boolean>;
  lastUsedAt: number;
}

/**
 * Wakes long-polling consumers on every queue node when messages become ready
 * on any node (a publish, a nack, a redrive, the owner's redelivery): each
 * node wakes its own waiters at once and PUBLISHes `node:count` on the
 * topic's channel; nodes with waiters on the topic are subscribed to it.
 * No message can slip between a consumer's empty take and its sleep: the
 * subscription is confirmed before that take, and Redis delivers every
 * PUBLISH made after the confirmation. Pub/sub is not durable (a message
 * published while a subscriber reconnects is lost), so a waiter also looks
 * again after QUEUE_WAKEUP_FALLBACK_MS.
 */
@Injectable()
export class TopicWakeups implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly self: string;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Topic → messages to announce to the other nodes at the end of this loop turn. */
  private readonly unannounced = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    @Inject(QUEUE_REDIS) private readonly redis: Redis,
    @Inject(QUEUE_SUBSCRIBER) private readonly subscriber: Redis,
    private readonly signals: TopicSignals,
  ) {
    this.self = config.self.id;
  }

  onApplicationBootstrap(): void {
    this.subscriber.on('message', (channel: string, message: string) => this.heard(channel, message));
    this.sweeper = setInterval(() => this.sweep(), QUEUE_WAKEUP_LINGER_MS);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /**
   * `count` messages of `topic` became ready here: wake as many waiters on
   * this node, and announce the rest to the other nodes. Waking here first
   * keeps one message from waking a consumer on every node (all but one would
   * find nothing: three consumes and two wasted for each message). The
   * announcements of a loop turn go out together at its end, one PUBLISH per
   * topic: concurrent publishes to a topic cost Redis and every subscribed
   * node one message per turn instead of one each.
   */
  notify(topic: string, count: number): void {
    const left = count - this.signals.signal(topic, count);
    if (left <= 0) return;
    if (this.unannounced.size === 0) setImmediate(() => this.announce());
    this.unannounced.set(topic, (this.unannounced.get(topic) ?? 0) + left);
  }

  private announce(): void {
    for (const [topic, count] of this.unannounced)
      // Fire and forget: a lost announcement costs a waiter at most the fallback interval.
      this.redis.publish(wakeupChannel(topic), `${this.self}:${count}`).catch(() => undefined);
    this.unannounced.clear();
  }

  /**
   * Makes sure announcements of `topic` reach this node. Resolves true when
   * the subscription is new (the caller looks for messages again before it
   * sleeps: one may have come before the subscription), false when it was in
   * place already or could not be made (the fallback interval then applies).
   */
  async watch(topic: string): Promise<boolean> {
    const known = this.subscriptions.get(topic);
    if (known) {
      known.lastUsedAt = performance.now();
      await known.confirmed;
      return false;
    }
    const confirmed = this.subscriber.subscribe(wakeupChannel(topic)).then(
      () => true,
      () => {
        this.subscriptions.delete(topic);
        return false;
      },
    );
    this.subscriptions.set(topic, { confirmed, lastUsedAt: performance.now() });
    return confirmed;
  }

  /**
   * Waits until this node is told of new messages of `topic`, or a publish
   * here hands some over (see claim), or the fallback interval (at most `timeoutMs`).
   */
  wait(topic: string, timeoutMs: number, appetite?: Appetite): Promise<WaitEnd> {
    return this.signals.wait(topic, Math.min(timeoutMs, QUEUE_WAKEUP_FALLBACK_MS), appetite);
  }

  /** A consumer waiting on `topic` here, for a publish here to hand its messages to (TopicSignals.claim). */
  claim(topic: string): Claim | undefined {
    return this.signals.claim(topic);
  }

  /** Topics this node listens to (for /cluster). */
  get watched(): number {
    return this.subscriptions.size;
  }

  private heard(channel: string, message: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const sep = message.lastIndexOf(':');
    const from = message.slice(0, sep);
    const count = Number(message.slice(sep + 1));
    // This node's own announcements woke its waiters already.
    if (sep < 0 || from === this.self || !Number.isSafeInteger(count) || count < 1) return;
    this.signals.signal(channel.slice(CHANNEL_PREFIX.length), count);
  }

  /** Unsubscribes from topics nobody here waited on lately. */
  private sweep(now = performance.now()): void {
    for (const [topic, sub] of this.subscriptions) {
      if (now - sub.lastUsedAt < QUEUE_WAKEUP_LINGER_MS || this.signals.waitingOn(topic) > 0) continue;
      this.subscriptions.delete(topic);
      this.subscriber.unsubscribe(wakeupChannel(topic)).catch(() => undefined);
    }
  }
}

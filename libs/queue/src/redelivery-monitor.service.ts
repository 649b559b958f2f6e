import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { QUEUE_METRICS } from './queue-metrics.js';
import { REDELIVERY_INTERVAL_MS, TOPIC_REFRESH_MS } from './queue-limits.js';
import { QueueStore } from './storage/queue-store.js';
import type { QueueDepth } from './storage/queue-types.js';
import { TopicOwnership } from './topic-ownership.service.js';
import { TopicWakeups } from './topic-wakeups.service.js';

/** The states of dss_queue_depth. */
const DEPTH_STATES: readonly (keyof QueueDepth)[] = ['ready', 'inflight', 'delayed', 'dead', 'waiting'];

/**
 * On the owner of each topic: moves expired in-flight deliveries back to ready
 * (redelivery) and due delayed messages to ready, at least once a second, wakes
 * the topic's long-polling consumers on every node when it did, and keeps the depth gauges.
 * Any node may do the same work without harm (the scripts are atomic); the
 * owner is just the one that does it.
 */
@Injectable()
export class RedeliveryMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('QueueMonitor');
  private timer?: NodeJS.Timeout;
  private topics: string[] = [];
  private topicsReadAt = 0;
  private running = false;
  private lastDead = new Map<string, number>();
  private failing = false;
  private mine: string[] = [];

  constructor(
    private readonly store: QueueStore,
    private readonly ownership: TopicOwnership,
    private readonly wakeups: TopicWakeups,
    @InjectMetric(QUEUE_METRICS.depth) private readonly depth: Gauge<'topic' | 'state'>,
    @InjectMetric(QUEUE_METRICS.deadLettered) private readonly deadLettered: Counter<'topic'>,
    @InjectMetric(QUEUE_METRICS.ownedTopics) private readonly owned: Gauge,
    @InjectMetric(QUEUE_METRICS.activeGroups) private readonly activeGroups: Gauge<'topic'>,
  ) {}

  /** Topics this node owned at its last pass. */
  get ownedTopics(): readonly string[] {
    return this.mine;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), REDELIVERY_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over the topics this node owns. */
  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (now - this.topicsReadAt >= TOPIC_REFRESH_MS) {
        this.topics = await this.store.topics();
        this.topicsReadAt = now;
      }
      const mine = this.topics.filter((t) => this.ownership.owns(t));
      this.mine = mine;
      this.owned.set(mine.length);
      for (const topic of mine) {
        const moved = (await this.store.requeueExpired(topic, now)) + (await this.store.promoteDue(topic, now));
        if (moved > 0) this.wakeups.notify(topic, moved);
        const stats = await this.store.stats(topic);
        for (const state of DEPTH_STATES) this.depth.set({ topic, state }, stats[state]);
        this.activeGroups.set({ topic }, stats.groups);
        const before = this.lastDead.get(topic);
        // A topic new to this owner gets its series at 0, so that increase() sees its next dead
        // letter; those already in the list (before this node owned it) are in the depth gauge.
        if (before === undefined) this.deadLettered.inc({ topic }, 0);
        else if (stats.dead > before) this.deadLettered.inc({ topic }, stats.dead - before);
        this.lastDead.set(topic, stats.dead);
      }
      for (const topic of this.lastDead.keys()) {
        if (!mine.includes(topic)) {
          this.lastDead.delete(topic);
          for (const state of DEPTH_STATES) this.depth.remove({ topic, state });
          this.activeGroups.remove({ topic });
        }
      }
      if (this.failing) this.logger.log('redelivery checks running again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.logger.warn(`redelivery check failed: ${(err as Error).message}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
  }
}

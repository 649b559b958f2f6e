import { Inject, Injectable } from '@nestjs/common';
import type { ConsoleConfig } from '@dss/config/pure';
import { CONSOLE_CONFIG, DaemonClient, type DaemonAnswer } from './daemon-client.service.js';
import { topicCounters, topicRates, type TopicCounters } from './queue-rates.js';

/** The shortest interval queue rates are measured over. */
export const RATE_MIN_INTERVAL_MS = 1_000;

/** One daemon as the Cluster page shows it: its GET /cluster (role state included) and GET /ready. */
export interface DaemonView {
  readonly node: string;
  readonly role: string;
  readonly url: string;
  readonly reachable: boolean;
  readonly ready: boolean;
  readonly ms: number;
  readonly status?: unknown;
  readonly error?: string;
}

const parse = (a: DaemonAnswer): unknown => {
  if (!a.ok) return undefined;
  try {
    return JSON.parse(a.body);
  } catch {
    return undefined;
  }
};

/**
 * What the Cluster and Queues pages poll: every daemon asked in parallel, so a
 * page costs one round trip to the console and the slowest daemon's answer,
 * never the sum; an unreachable daemon is shown as such, not waited for twice.
 */
@Injectable()
export class ConsoleOverview {
  private lastRates?: { at: number; counters: TopicCounters; rates: ReturnType<typeof topicRates> };

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    private readonly daemons: DaemonClient,
  ) {}

  async overview(authorization: string | undefined) {
    const [views, redis] = await Promise.all([
      Promise.all(this.config.daemons.map((d) => this.view(d, authorization))),
      this.redisTopology(authorization),
    ]);
    return { cluster: this.config.cluster.name, at: Date.now(), daemons: views, redis };
  }

  /** The Redis topology as the lock nodes manage it: the first lock node that answers (404 when Redis is standalone). */
  private async redisTopology(authorization: string | undefined): Promise<unknown> {
    for (const lock of this.daemons.daemonsOf('lock')) {
      const answer = await this.daemons.call(lock, { method: 'GET', path: '/redis', authorization });
      if (answer.ok && answer.status === 200) return parse(answer);
    }
    return null;
  }

  private async view(d: ConsoleConfig['daemons'][number], authorization: string | undefined): Promise<DaemonView> {
    const [cluster, ready] = await Promise.all([
      this.daemons.call(d, { method: 'GET', path: '/cluster', authorization }),
      this.daemons.call(d, { method: 'GET', path: '/ready' }),
    ]);
    const base = { node: d.node, role: d.role, url: d.url, ms: cluster.ms };
    if (!cluster.ok) return { ...base, reachable: false, ready: false, error: cluster.error };
    const status = parse(cluster);
    return {
      ...base,
      reachable: true,
      ready: ready.ok && ready.status === 200,
      ...(cluster.status === 200 ? { status } : { error: `GET /cluster answered ${cluster.status}` }),
    };
  }

  /**
   * Per-topic published/delivered/acked per second over the last interval of
   * at least RATE_MIN_INTERVAL_MS (none before the second sample): several
   * browsers polling share one sample instead of dividing by a few milliseconds.
   */
  async queueRates() {
    const now = Date.now();
    const last = this.lastRates;
    if (last && now - last.at < RATE_MIN_INTERVAL_MS) return { at: last.at, rates: last.rates };
    const answers = await Promise.all(
      this.daemons.daemonsOf('queue').map((d) => this.daemons.call(d, { method: 'GET', path: '/metrics' })),
    );
    const counters = topicCounters(answers.flatMap((a) => (a.ok && a.status === 200 ? [a.body] : [])));
    const rates = last ? topicRates(last.counters, counters, (now - last.at) / 1000) : {};
    this.lastRates = { at: now, counters, rates };
    return { at: now, rates };
  }
}

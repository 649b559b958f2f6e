import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { DSS_CONFIG, redisReplicasToAck, type NodeConfig } from '@dss/config';
import { RAFT_NODE, type RaftNode } from '@dss/raft';
import {
  EMPTY_MEMORY,
  failOver,
  MAX_TOPOLOGY_REASON_LENGTH,
  observe,
  plan,
  reconcile,
  RedisNodeClient,
  stampEpoch,
  type PlannerMemory,
  type Probe,
  type RedisAdmin,
  type RedisNodeAddress,
  type RedisTopology,
  type TopologyCommand,
} from '@dss/redis-ha';
import { LockStateMachine } from '../lock-state-machine.js';
import { REDIS_METRICS } from './redis-metrics.js';

/** The leader probes every Redis node this often. */
export const REDIS_PROBE_INTERVAL_MS = 150;
/** Consecutive missed probes after which the primary counts as gone. */
export const REDIS_DOWN_AFTER_PROBES = 3;
/**
 * A leader acts on Redis only this soon after a majority confirmed its
 * leadership (a Raft read barrier). No other leader can be elected before the
 * followers' election timeout (at least 10 ticks of 30 ms, RAFT_DEFAULTS) runs out, so a
 * deposed leader cannot undo a newer leader's failover.
 */
export const REDIS_LEADERSHIP_LEASE_MS = 250;

class LeaseExpired extends Error {}

/**
 * The lock leader's watch over Redis (docs/redis-failover.md): probes each
 * node, keeps them as the committed topology says, and fails over when the
 * primary is gone: fence the replicas, promote the one that holds every
 * acknowledged write, commit the new topology through Raft.
 */
@Injectable()
export class RedisFailover implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RedisFailover');
  private readonly nodes: readonly RedisNodeAddress[];
  private readonly clients: ReadonlyMap<string, RedisNodeClient>;
  private readonly replicasToAck: number;
  private readonly admin: RedisAdmin;
  private memory: PlannerMemory = EMPTY_MEMORY;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastBlocked = '';
  /** The last failover or refusal, for /redis. */
  lastEvent: { readonly at: string; readonly what: string } | undefined;

  constructor(
    @Inject(DSS_CONFIG) config: NodeConfig,
    @Inject(RAFT_NODE) private readonly raft: RaftNode,
    private readonly machine: LockStateMachine,
    @InjectMetric(REDIS_METRICS.failovers) private readonly failovers: Counter<'outcome'>,
    @InjectMetric(REDIS_METRICS.epoch) private readonly epochGauge: Gauge,
  ) {
    const redis = config.cluster.redis;
    this.nodes = redis?.mode === 'raft' ? redis.nodes : [];
    this.replicasToAck = redisReplicasToAck(redis);
    this.clients = new Map(this.nodes.map((n) => [n.id, new RedisNodeClient(n, `dss-lock-${config.self.id}`)]));
    this.admin = {
      nodes: this.nodes,
      clients: this.clients,
      replicasToAck: this.replicasToAck,
      log: (level, line) => this.logger[level](line),
    };
  }

  get enabled(): boolean {
    return this.nodes.length > 0;
  }

  get redisNodes(): readonly RedisNodeAddress[] {
    return this.nodes;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.machine.subscribe({ onTopology: (t) => this.epochGauge.set(t.epoch) });
    this.epochGauge.set(this.machine.redisTopology?.epoch ?? 0);
    this.timer = setInterval(() => void this.tick(), REDIS_PROBE_INTERVAL_MS);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    for (const c of this.clients.values()) c.close();
  }

  /** Every node probed now (for /redis). */
  probeAll(): Promise<Probe[]> {
    return Promise.all([...this.clients.values()].map((c) => c.probe()));
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (!this.raft.isLeader) {
        this.memory = EMPTY_MEMORY;
        return;
      }
      await this.round();
    } catch (err) {
      if (err instanceof LeaseExpired) this.logger.debug(`Redis watch: ${err.message}; trying again on the next probe`);
      else this.logger.warn(`Redis watch: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.running = false;
    }
  }

  private async round(): Promise<void> {
    const topology = this.machine.redisTopology!;
    const probes = await this.probeAll();
    this.memory = observe(this.memory, topology, probes);
    const next = plan(this.nodes, topology, probes, this.memory, this.replicasToAck, REDIS_DOWN_AFTER_PROBES);
    switch (next.kind) {
      case 'steady':
        return stampEpoch(this.admin, topology, probes);
      case 'blocked':
        return this.refused(next.reason);
      case 'reconcile': {
        const until = await this.confirmLeadership();
        return reconcile(this.admin, topology, next.steps, probes, () => this.inLease(until));
      }
      case 'fence': {
        const until = await this.confirmLeadership();
        this.logger.warn(`Redis failover from ${topology.primary}: ${next.reason}; fencing ${next.nodes.join(', ')}`);
        const outcome = await failOver(
          this.admin,
          next.nodes,
          this.memory,
          () => this.inLease(until),
          (primary, reason) => this.commit(topology, primary, `${next.reason}; ${primary} ${reason}`),
        );
        if (outcome.kind === 'refused') return this.refused(outcome.reason);
        if (outcome.kind === 'lost') return this.logger.warn(`Redis failover not applied: ${outcome.reason}`);
        this.failovers.inc({ outcome: 'done' });
        this.logger.warn(
          `Redis primary is now ${outcome.primary} (epoch ${topology.epoch + 1}), ${outcome.reason}; ${outcome.followers.join(', ') || 'no replica'} follow it`,
        );
        return;
      }
    }
  }

  private async commit(
    topology: RedisTopology,
    primary: string,
    reason: string,
  ): Promise<{ committed: boolean; mayAct: () => void }> {
    const command: TopologyCommand = {
      op: 'redisTopology',
      expectEpoch: topology.epoch,
      primary,
      reason: reason.slice(0, MAX_TOPOLOGY_REASON_LENGTH),
    };
    const proposed = Date.now();
    const result = (await this.raft.propose(JSON.stringify(command))) as { status: string };
    const committed = result.status === 'changed';
    if (committed) this.note(`epoch ${topology.epoch + 1}: ${primary} promoted (${command.reason})`);
    // A commit confirms the leadership as of the proposal.
    return { committed, mayAct: () => this.inLease(proposed + REDIS_LEADERSHIP_LEASE_MS) };
  }

  private refused(reason: string): void {
    if (reason !== this.lastBlocked) {
      this.logger.error(`cannot fail Redis over: ${reason}`);
      this.failovers.inc({ outcome: 'refused' });
    }
    this.lastBlocked = reason;
    this.note(`failover refused: ${reason}`);
  }

  /** A Raft read barrier: returns until when this node may act as leader. */
  private async confirmLeadership(): Promise<number> {
    const start = Date.now();
    await this.raft.readIndex();
    const until = start + REDIS_LEADERSHIP_LEASE_MS;
    this.inLease(until);
    return until;
  }

  private inLease(until: number): void {
    if (!this.raft.isLeader) throw new LeaseExpired('no longer the lock leader');
    if (Date.now() >= until)
      throw new LeaseExpired(
        `leadership confirmed ${Date.now() - until + REDIS_LEADERSHIP_LEASE_MS} ms ago, longer than the ${REDIS_LEADERSHIP_LEASE_MS} ms lease`,
      );
  }

  private note(what: string): void {
    this.lastEvent = { at: new Date().toISOString(), what };
  }
}

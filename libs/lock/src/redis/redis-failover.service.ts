import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { DSS_CONFIG, redisReplicasToAck, type NodeConfig } from '@dss/config';
import { RAFT_NODE, type RaftNode } from '@dss/raft';
import { choosePrimary, EMPTY_MEMORY, observe, plan, RedisNodeClient, type PlannerMemory, type Probe, type RedisNodeAddress, type RedisTopology, type ReplicationInfo, type TopologyCommand } from '@dss/redis-ha';
import { LockStateMachine } from '../lock-state-machine.js';
import { REDIS_METRICS } from './redis-metrics.js';

/** The leader probes every Redis node this often. */
export const REDIS_PROBE_INTERVAL_MS = 150;
/** Consecutive missed probes after which the primary counts as gone. */
export const REDIS_DOWN_AFTER_PROBES = 3;
/**
 * A leader acts on Redis only this soon after a majority confirmed its
 * leadership (a Raft read barrier). No other leader can be elected before the
 * followers' election timeout (at least 10 ticks of 50 ms) runs out, so a
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
        return this.stampEpoch(topology, probes);
      case 'blocked':
        if (next.reason !== this.lastBlocked) this.logger.error(`cannot fail Redis over: ${next.reason}`);
        this.lastBlocked = next.reason;
        this.note(`failover refused: ${next.reason}`);
        return;
      case 'reconcile': {
        const until = await this.confirmLeadership();
        for (const step of next.steps) {
          const client = this.clients.get(step.node)!;
          if (step.action === 'promote') {
            this.inLease(until);
            await client.detach();
            this.logger.log(`Redis ${step.node} promoted: it is the primary of epoch ${topology.epoch}`);
          } else {
            const probe = probes.find((p) => p.id === step.node);
            // Never demote a primary that a newer epoch promoted: this leader would be the stale one.
            if (probe && 'info' in probe && probe.info.role === 'master' && (await client.epoch()) > topology.epoch) {
              this.logger.warn(`Redis ${step.node} was promoted by an epoch newer than ${topology.epoch}: not demoting it`);
              continue;
            }
            this.inLease(until);
            await client.follow(this.address(step.primary));
            this.logger.log(`Redis ${step.node} now follows ${step.primary} (epoch ${topology.epoch})`);
          }
        }
        return;
      }
      case 'fence':
        return this.failOver(topology, next.nodes, next.reason);
    }
  }

  private async failOver(topology: RedisTopology, candidates: readonly string[], why: string): Promise<void> {
    const until = await this.confirmLeadership();
    this.logger.warn(`Redis failover from ${topology.primary}: ${why}; fencing ${candidates.join(', ')}`);
    const fenced = new Map<string, ReplicationInfo>();
    for (const id of candidates) {
      this.inLease(until);
      const client = this.clients.get(id)!;
      try {
        await client.detach();
        const probe = await client.probe();
        if ('info' in probe) fenced.set(id, probe.info);
      } catch (err) {
        this.logger.warn(`fencing ${id} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const choice = choosePrimary(this.nodes, fenced, this.memory, this.replicasToAck);
    if (choice.kind === 'blocked') {
      this.failovers.inc({ outcome: 'refused' });
      this.logger.error(`cannot fail Redis over: ${choice.reason}`);
      this.note(`failover refused: ${choice.reason}`);
      return;
    }
    const command: TopologyCommand = { op: 'redisTopology', expectEpoch: topology.epoch, primary: choice.primary, reason: `${why}; ${choice.primary} ${choice.reason}`.slice(0, 200) };
    const proposed = Date.now();
    const result = (await this.raft.propose(JSON.stringify(command))) as { status: string };
    this.logger.log(`topology epoch ${topology.epoch + 1} committed in ${Date.now() - proposed} ms`);
    if (result.status !== 'changed') {
      this.logger.warn(`Redis failover to ${choice.primary} not applied (${result.status}): the topology changed meanwhile`);
      return;
    }
    this.failovers.inc({ outcome: 'done' });
    this.note(`epoch ${topology.epoch + 1}: ${choice.primary} promoted (${command.reason})`);
    this.logger.warn(`Redis primary is now ${choice.primary} (epoch ${topology.epoch + 1}): ${choice.reason}`);
    // The commit confirmed the leadership as of the proposal: re-point the
    // other fenced replicas now rather than on the next probe, since the new
    // primary accepts no write (min-replicas-to-write) until one follows it.
    const committedLease = proposed + REDIS_LEADERSHIP_LEASE_MS;
    for (const id of fenced.keys()) {
      if (id === choice.primary) continue;
      this.inLease(committedLease);
      await this.clients.get(id)!.follow(this.address(choice.primary));
      this.logger.log(`Redis ${id} now follows ${choice.primary} (epoch ${topology.epoch + 1})`);
    }
  }

  /** Writes the epoch on a healthy primary that lacks it (min-replicas-to-write: once a replica is attached). */
  private async stampEpoch(topology: RedisTopology, probes: readonly Probe[]): Promise<void> {
    const primary = probes.find((p) => p.id === topology.primary);
    if (!primary || !('info' in primary) || primary.info.onlineReplicas === 0) return;
    const client = this.clients.get(topology.primary)!;
    if ((await client.epoch()) < topology.epoch) await client.setEpoch(topology.epoch);
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
    if (Date.now() >= until) throw new LeaseExpired(`leadership confirmed ${Date.now() - until + REDIS_LEADERSHIP_LEASE_MS} ms ago, longer than the ${REDIS_LEADERSHIP_LEASE_MS} ms lease`);
  }

  private address(id: string): RedisNodeAddress {
    return this.nodes.find((n) => n.id === id)!;
  }

  private note(what: string): void {
    this.lastEvent = { at: new Date().toISOString(), what };
  }
}

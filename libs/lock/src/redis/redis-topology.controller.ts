import { Controller, Get, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DSS_CONFIG, redisReplicasToAck, type NodeConfig } from '@dss/config';
import { ApiError } from '@dss/http';
import { RAFT_NODE, type RaftNode } from '@dss/raft';
import { MAX_TOPOLOGY_WAIT_MS, type RedisTopology, type TopologyRequest } from '@dss/redis-ha';
import { LockStateMachine } from '../lock-state-machine.js';
import { RedisFailover } from './redis-failover.service.js';

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** The Redis topology, asked by queue and cache daemons of any node (a long poll). */
    'redis.topology': { request: TopologyRequest; response: RedisTopology };
  }
}

/**
 * The Redis topology on a lock node: `GET /redis` for operators (the applied
 * topology and every node probed now), and `redis.topology` for the queue and
 * cache daemons, answered as soon as the epoch differs from what they know.
 */
@Controller('redis')
export class RedisTopologyController {
  constructor(
    @Inject(DSS_CONFIG) private readonly config: NodeConfig,
    @Inject(RAFT_NODE) private readonly raft: RaftNode,
    private readonly machine: LockStateMachine,
    private readonly failover: RedisFailover,
  ) {}

  @Get()
  async describe() {
    const topology = this.machine.redisTopology;
    if (!topology)
      throw new ApiError(
        'NOT_FOUND',
        'this cluster has no raft-managed Redis (the cluster description\'s redis.mode is not "raft")',
      );
    const probes = await this.failover.probeAll();
    const nodes = this.failover.redisNodes.map((n) => {
      const probe = probes.find((p) => p.id === n.id);
      const info = probe && 'info' in probe ? probe.info : undefined;
      return {
        id: n.id,
        host: n.host,
        port: n.port,
        reachable: info !== undefined,
        role: info === undefined ? 'unknown' : info.role === 'master' ? 'primary' : 'replica',
        following: info?.role === 'slave' ? `${info.masterHost}:${info.masterPort}` : null,
        linkUp: info?.role === 'slave' ? info.linkUp : null,
        offset: info?.offset ?? null,
        ...(probe && 'error' in probe ? { error: probe.error } : {}),
      };
    });
    return {
      epoch: topology.epoch,
      primary: topology.primary,
      replicas: topology.replicas,
      replicasToAck: redisReplicasToAck(this.config.cluster.redis),
      leader: this.raft.leader,
      nodes,
      ...(this.failover.lastEvent ? { lastEvent: this.failover.lastEvent } : {}),
    };
  }

  @MessagePattern('redis.topology')
  async topology(@Payload() request: TopologyRequest): Promise<RedisTopology> {
    const current = this.machine.redisTopology;
    if (!current) throw new Error('this cluster has no raft-managed Redis');
    const known = Number.isSafeInteger(request?.knownEpoch) ? request.knownEpoch : -1;
    const waitMs = Math.min(Math.max(0, Number(request?.waitMs) || 0), MAX_TOPOLOGY_WAIT_MS);
    if (current.epoch > known) return current;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve(this.machine.redisTopology!);
      };
      const timer = setTimeout(done, waitMs);
      const unsubscribe = this.machine.subscribe({ onTopology: (t) => t.epoch > known && done() });
    });
  }
}

import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { PeerSocket, peerClientTls } from '@dss/transport';
import { firstValueFrom, timeout } from 'rxjs';
import { initialTopology, type RedisNodeAddress, type RedisTopology } from '../core/index.js';
import type { TopologyRequest } from './topology-protocol.js';

/** How long a lock node holds a topology request open when nothing changes. */
export const TOPOLOGY_WATCH_WAIT_MS = 5000;
/** Pause before asking a lock node again after it failed to answer. */
export const TOPOLOGY_WATCH_RETRY_MS = 250;

/**
 * A queue or cache daemon's view of the Redis topology: it long-polls every
 * lock node (`redis.topology`, answered as soon as the epoch changes) and
 * keeps the highest epoch heard. Until a lock node answers it assumes epoch
 * 0. Listeners hear every change (the Redis client then reconnects).
 */
@Injectable()
export class RedisTopologyWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisTopology');
  private readonly nodes: readonly RedisNodeAddress[];
  private value: RedisTopology;
  private readonly clients = new Map<string, ClientProxy>();
  private readonly listeners = new Set<(t: RedisTopology) => void>();
  private stopped = false;

  constructor(@Inject(DSS_CONFIG) private readonly config: NodeConfig) {
    const redis = config.cluster.redis;
    this.nodes = redis?.mode === 'raft' ? redis.nodes : [];
    this.value = initialTopology(this.nodes.length > 0 ? this.nodes.map((n) => n.id) : ['none']);
  }

  get enabled(): boolean {
    return this.nodes.length > 0;
  }

  get current(): RedisTopology {
    return this.value;
  }

  /** Address of the primary this daemon should write to now. */
  primaryAddress(): RedisNodeAddress {
    return this.nodes.find((n) => n.id === this.value.primary) ?? this.nodes[0]!;
  }

  /** For /cluster: which primary this daemon writes to, by which epoch (none for a standalone Redis). */
  describe(): { epoch: number; primary: string; address: string } | undefined {
    if (!this.enabled) return undefined;
    const a = this.primaryAddress();
    return { epoch: this.value.epoch, primary: this.value.primary, address: `${a.host}:${a.port}` };
  }

  onChange(listener: (t: RedisTopology) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    for (const node of this.config.cluster.nodes) {
      const lock = node.ports.lock;
      if (lock?.peer === undefined) continue;
      const tls = this.config.peerTls ? { tlsOptions: peerClientTls(this.config.peerTls, node.id) } : {};
      const client = ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: node.host, port: lock.peer, socketClass: PeerSocket, ...tls },
      });
      this.clients.set(node.id, client);
      void this.watch(node.id, client);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }

  /** Takes a topology heard from a lock node if it is newer than the one held. */
  offer(topology: RedisTopology, from: string): void {
    if (topology.epoch <= this.value.epoch || !this.nodes.some((n) => n.id === topology.primary)) return;
    const before = this.value;
    this.value = topology;
    this.logger.log(
      `Redis primary is ${topology.primary} (epoch ${topology.epoch}, was ${before.primary} at ${before.epoch}; heard from lock@${from})`,
    );
    for (const l of this.listeners) l(topology);
  }

  private async watch(lockNode: string, client: ClientProxy): Promise<void> {
    while (!this.stopped) {
      const request: TopologyRequest = {
        from: this.config.self.id,
        knownEpoch: this.value.epoch,
        waitMs: TOPOLOGY_WATCH_WAIT_MS,
      };
      try {
        const answer = await firstValueFrom(
          client
            .send<RedisTopology, TopologyRequest>('redis.topology', request)
            .pipe(timeout({ first: TOPOLOGY_WATCH_WAIT_MS + 2000 })),
        );
        this.offer(answer, lockNode);
      } catch {
        if (this.stopped) return;
        await client.close();
        await new Promise((r) => setTimeout(r, TOPOLOGY_WATCH_RETRY_MS));
      }
    }
  }
}

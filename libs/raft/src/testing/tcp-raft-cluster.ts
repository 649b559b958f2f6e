import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsModule } from '@dss/metrics';
import { PeerEvents, peerServerOptions, TransportModule } from '@dss/transport';
import type { RaftNode } from '../driver/raft-node.js';
import { RAFT_NODE } from '../nest/raft-options.js';
import { RaftModule } from '../nest/raft.module.js';
import { ListMachine } from './list-machine.js';

// Raft nodes in one process, each a Nest hybrid app (the daemon's shape) with
// its own peer TCP port, file storage with real fsync and the production
// RaftModule. Used by the TCP tests and the benchmark.

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

export class TcpRaftCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'dss-raft-tcp-'));
  readonly apps = new Map<string, INestApplication>();
  readonly machines = new Map<string, ListMachine>();
  private readonly ports: Record<string, number> = {};

  constructor(
    readonly ids: readonly string[],
    private readonly snapshotEntries = 10_000,
  ) {}

  async start(): Promise<void> {
    for (const id of this.ids) this.ports[id] = await freePort();
    await Promise.all(this.ids.map((id) => this.startNode(id)));
  }

  async startNode(id: string): Promise<void> {
    const machine = new ListMachine();
    this.machines.set(id, machine);
    const peers = this.ids
      .filter((p) => p !== id)
      .map((p) => ({ id: p, host: '127.0.0.1', peerPort: this.ports[p]!, httpPort: 1 }));
    const port = this.ports[id]!;
    @Module({
      imports: [
        MetricsModule.forRoot({ node: id, role: 'lock' }),
        TransportModule.forRoot({
          selfId: id,
          role: 'lock',
          peers,
          timeoutMs: 500,
          bindHost: '127.0.0.1',
          port,
          probeIntervalMs: 0,
        }),
        RaftModule.forRoot({
          id,
          members: this.ids,
          dataDir: join(this.dir, id),
          stateMachine: machine,
          snapshotEntries: this.snapshotEntries,
        }),
      ],
    })
    class NodeModule {}
    // A hybrid app like the daemon: its shutdown hooks run before its servers close.
    const app = await NestFactory.create(NodeModule, new FastifyAdapter(), { logger: false });
    app.connectMicroservice(peerServerOptions({ bindHost: '127.0.0.1', port }, app.get(PeerEvents)));
    await app.startAllMicroservices();
    await app.init();
    this.apps.set(id, app);
  }

  /** Stops a node as a crash looks to the others: no leadership hand-over. */
  async crash(id: string): Promise<void> {
    const app = this.apps.get(id)!;
    this.apps.delete(id);
    await this.node(id, app).stop();
    await app.close();
  }

  /** Graceful stop: the production shutdown path (hand-over first). */
  async stop(id: string): Promise<void> {
    const app = this.apps.get(id)!;
    this.apps.delete(id);
    await app.close();
  }

  node(id: string, app = this.apps.get(id)!): RaftNode {
    return app.get<RaftNode>(RAFT_NODE);
  }

  running(): string[] {
    return [...this.apps.keys()];
  }

  leaderId(): string | undefined {
    return this.running().find((id) => this.node(id).isLeader);
  }

  /** One leader, and every running node follows it. */
  agreed(): boolean {
    const l = this.leaderId();
    return l !== undefined && this.running().every((id) => this.node(id).leader === l);
  }

  async close(): Promise<void> {
    for (const id of this.running()) await this.stop(id);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

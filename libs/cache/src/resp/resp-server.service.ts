import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Counter, Gauge } from 'prom-client';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { TokenBook } from '@dss/http';
import { tally, type Tally } from '@dss/metrics';
import { CACHE_METRICS } from '../cache-metrics.js';
import { CacheValues } from '../values/cache-values.service.js';
import type { NodeFacts } from './command-types.js';
import { RespConnection } from './resp-connection.js';
import { RESP_LIMITS } from './resp-limits.js';

/** How long a stopping node lets its clients read their last replies before it cuts them off. */
const CLOSE_GRACE_MS = 1000;

/**
 * The cache's Redis-protocol front door (docs/cache.md): ioredis, redis-cli and any Redis
 * client reach the same coherent cache as the HTTP API, on the port the cluster description
 * gives (`ports.cache.resp`). TLS when the HTTP API speaks HTTPS (same certificate), AUTH
 * with the API tokens when the cluster has them.
 */
@Injectable()
export class RespServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CacheResp');
  private server?: Server;
  private readonly connections = new Set<Socket>();
  private nextId = 0;
  private readonly node: NodeFacts;
  /** Commands received, counted per batch of input (a tally: this is every command's path). */
  private readonly commands: Tally;

  constructor(
    @Inject(DSS_CONFIG) private readonly config: NodeConfig,
    private readonly values: CacheValues,
    @InjectMetric(CACHE_METRICS.respConnections) private readonly open: Gauge,
    @InjectMetric(CACHE_METRICS.respCommands) commandCounter: Counter,
  ) {
    this.commands = tally(commandCounter);
    this.node = {
      nodeId: config.self.id,
      port: config.self.respPort ?? 0,
      tokens: config.apiTokens && new TokenBook(config.apiTokens),
      startedAt: Date.now(),
      connections: () => this.connections.size,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.self.respPort;
    if (port === undefined) return;
    const tls = this.config.httpTls;
    const server = tls
      ? createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, (s) => this.accept(s))
      : createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.settings.bindHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error(`Redis-protocol server: ${err.message}`));
    this.logger.log(
      `Redis protocol on ${this.config.settings.bindHost}:${port}${tls ? ' (TLS)' : ''}${this.node.tokens ? ' (AUTH with an API token)' : ''}`,
    );
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= RESP_LIMITS.maxConnections) {
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    this.connections.add(socket);
    this.open.set(this.connections.size);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.open.set(this.connections.size);
    });
    new RespConnection(socket, ++this.nextId, this.values, this.node, (n) => this.commands.add(n));
  }

  /** Before the lines write back: no new connections, and clients are told the node is going. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.connections) s.end();
    const timer = setTimeout(() => {
      for (const s of this.connections) s.destroy();
    }, CLOSE_GRACE_MS);
    await closed;
    clearTimeout(timer);
  }
}

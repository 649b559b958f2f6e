import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NodeConfig } from '@dss/config';
import { HTTP_MAX_CONNECTIONS } from '@dss/http';
import { PeerEvents, PeerRejections, peerServerOptions } from '@dss/transport';
import type { Server } from 'node:net';
import { AppModule } from './app.module.js';
import { httpAdapter, processLogger } from './http-server.js';
import type { RolePlugin } from './roles/role-plugin.js';

/** Builds and starts one daemon: Fastify for clients (http-server.ts), plus the TCP microservice its peers talk to. */
export async function startDaemon(config: NodeConfig, role: RolePlugin): Promise<NestFastifyApplication> {
  const { settings, self } = config;
  const logger = processLogger(`dss-${settings.role}`, settings, self.id);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, role),
    httpAdapter(config.httpTls),
    {
      logger,
    },
  );
  app.enableShutdownHooks();
  const peers = app.connectMicroservice(
    peerServerOptions({ bindHost: settings.bindHost, port: self.peerPort, tls: config.peerTls }, app.get(PeerEvents)),
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  app.get(PeerRejections).watch(peers.unwrap<Server>());
  await app.listen(self.httpPort, settings.bindHost);
  app.getHttpServer().maxConnections = HTTP_MAX_CONNECTIONS;
  const auth = config.peerTls ? 'mutual TLS' : 'NOT authenticated (security.peerAuth none)';
  const api = `${config.httpTls ? 'https' : 'http'} ${settings.bindHost}:${self.httpPort}${config.apiTokens ? ' (bearer tokens)' : ''}`;
  logger.log(`${settings.role} on ${self.id}: ${api}, peers ${settings.bindHost}:${self.peerPort} (${auth})`);
  if (!config.peerTls)
    logger.warn(
      'peer traffic is not authenticated: anyone who reaches the peer port can vote and append (docs/security.md)',
    );
  return app;
}

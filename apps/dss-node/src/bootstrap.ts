import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LOG_LEVELS, type NodeConfig } from '@dss/config';
import {
  clientErrorHandler,
  frameworkErrors,
  HTTP_CONNECTION_LIMITS,
  HTTP_MAX_BODY_BYTES,
  HTTP_MAX_CONNECTIONS,
  HTTP_MAX_PARAM_LENGTH,
} from '@dss/http';
import { PeerEvents, PeerRejections, peerServerOptions } from '@dss/transport';
import type { Server } from 'node:net';
import { AppModule } from './app.module.js';
import type { RolePlugin } from './roles/role-plugin.js';

/** Log levels at and above the configured one (Nest wants the full list). */
export function levelsFrom(level: NodeConfig['settings']['logLevel']): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
}

/**
 * Builds and starts one daemon: Fastify for clients (the fastest HTTP adapter
 * Nest has: about twice Express's requests/s, and the HTTP layer is most of a
 * lock request's cost), plus the TCP microservice its peers talk to.
 */
export async function startDaemon(config: NodeConfig, role: RolePlugin): Promise<NestFastifyApplication> {
  const { settings, self } = config;
  const logger = new ConsoleLogger({
    prefix: `dss-${settings.role}`,
    logLevels: levelsFrom(settings.logLevel),
    json: settings.logFormat === 'json',
    context: self.id,
    colors: Boolean(process.stdout.isTTY),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, role),
    new FastifyAdapter({
      bodyLimit: HTTP_MAX_BODY_BYTES,
      routerOptions: { maxParamLength: HTTP_MAX_PARAM_LENGTH },
      frameworkErrors,
      clientErrorHandler,
      ...(config.httpTls
        ? { https: { cert: config.httpTls.cert, key: config.httpTls.key, minVersion: 'TLSv1.2' as const } }
        : {}),
      ...HTTP_CONNECTION_LIMITS,
    }),
    { logger },
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

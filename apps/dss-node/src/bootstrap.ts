import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LOG_LEVELS, type NodeConfig } from '@dss/config';
import { frameworkErrors, HTTP_MAX_BODY_BYTES, HTTP_MAX_PARAM_LENGTH } from '@dss/http';
import { peerServerOptions } from '@dss/transport';
import { AppModule } from './app.module.js';
import type { RolePlugin } from './roles/role-plugin.js';

/** Log levels at and above the configured one (Nest wants the full list). */
function levelsFrom(level: NodeConfig['settings']['logLevel']): LogLevel[] {
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
    new FastifyAdapter({ bodyLimit: HTTP_MAX_BODY_BYTES, routerOptions: { maxParamLength: HTTP_MAX_PARAM_LENGTH }, frameworkErrors }),
    { logger },
  );
  app.enableShutdownHooks();
  app.connectMicroservice(peerServerOptions({ bindHost: settings.bindHost, port: self.peerPort }), { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(self.httpPort, settings.bindHost);
  logger.log(`${settings.role} on ${self.id}: http ${settings.bindHost}:${self.httpPort}, peers ${settings.bindHost}:${self.peerPort}`);
  return app;
}

import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleConfig } from '@dss/config/pure';
import { HTTP_MAX_CONNECTIONS } from '@dss/http';
import { httpAdapter, processLogger } from '../http-server.js';
import { ConsoleAppModule } from './console-app.module.js';

/** libs/console/public, found from this file in the build (dist/apps/...) of a checkout or a release. */
function assetsDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'console', 'public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error('cannot find the console pages (libs/console/public) above ' + fileURLToPath(import.meta.url));
}

/**
 * The console (DSS_ROLE=console): the same HTTP stack as the daemons (Fastify,
 * the same limits, HTTPS with the node's pair when the cluster says so), no peers.
 */
export async function startConsole(config: ConsoleConfig): Promise<NestFastifyApplication> {
  const { settings, self } = config;
  const logger = processLogger('dss-console', settings, self.id);
  const app = await NestFactory.create<NestFastifyApplication>(
    ConsoleAppModule.forRoot(config, assetsDir()),
    httpAdapter(config.httpTls),
    { logger },
  );
  app.enableShutdownHooks();
  await app.listen(self.httpPort, settings.bindHost);
  app.getHttpServer().maxConnections = HTTP_MAX_CONNECTIONS;
  const scheme = config.httpTls ? 'https' : 'http';
  logger.log(
    `console on ${self.id}: ${scheme}://${settings.bindHost}:${self.httpPort}/ for ${config.daemons.length} daemons${config.apiTokens ? ' (bearer tokens)' : ''}`,
  );
  return app;
}

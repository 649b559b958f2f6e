import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NodeConfig } from '@dss/config';
import { LOG_LEVELS } from '@dss/config';
import {
  clientErrorHandler,
  frameworkErrors,
  HTTP_CONNECTION_LIMITS,
  HTTP_MAX_BODY_BYTES,
  HTTP_MAX_PARAM_LENGTH,
} from '@dss/http';

// What every DSS process's HTTP side shares, the daemons' and the console's:
// one logger format and one Fastify set-up (limits, error answers, HTTPS).

/** Log levels at and above the configured one (Nest wants the full list). */
function levelsFrom(level: NodeConfig['settings']['logLevel']): LogLevel[] {
  return LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1) as LogLevel[];
}

export function processLogger(prefix: string, settings: NodeConfig['settings'], nodeId: string): ConsoleLogger {
  return new ConsoleLogger({
    prefix,
    logLevels: levelsFrom(settings.logLevel),
    json: settings.logFormat === 'json',
    context: nodeId,
    colors: Boolean(process.stdout.isTTY),
  });
}

/**
 * Fastify for clients (the fastest HTTP adapter Nest has: about twice
 * Express's requests/s, and the HTTP layer is most of a lock request's cost),
 * with the API's limits, its error answers and HTTPS when configured.
 */
export function httpAdapter(httpTls: NodeConfig['httpTls']): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: HTTP_MAX_BODY_BYTES,
    routerOptions: { maxParamLength: HTTP_MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    ...(httpTls ? { https: { cert: httpTls.cert, key: httpTls.key, minVersion: 'TLSv1.2' as const } } : {}),
    ...HTTP_CONNECTION_LIMITS,
  });
}

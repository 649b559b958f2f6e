import { All, Controller, Get, Headers, Inject, Logger, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleConfig } from '@dss/config/pure';
import { ApiError } from '@dss/http';
import { CONSOLE_AUDIT_BODY_CHARS, CONSOLE_WRITE_TIMEOUT_MS } from './console-limits.js';
import { ConsoleAuth } from './console-auth.js';
import { ConsoleOverview } from './console-overview.service.js';
import { CONSOLE_CONFIG, DaemonClient, type DaemonCall } from './daemon-client.service.js';
import { proxyTarget } from './proxy-target.js';

/**
 * The console's API for its pages: the session (tokens on? what may this one
 * do?), the cluster overview, queue rates, and a pass-through to any daemon's
 * client API, so the browser talks to one origin and the daemons' own checks
 * (validation, tokens, errors) stay the only ones that decide.
 */
@Controller('api')
export class ConsoleApiController {
  private readonly audit = new Logger('audit');

  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(ConsoleAuth) private readonly auth: ConsoleAuth,
    private readonly overviews: ConsoleOverview,
    private readonly daemons: DaemonClient,
  ) {}

  @Get('session')
  session(@Headers('authorization') authorization?: string) {
    const { cluster, self } = this.config;
    return {
      cluster: cluster.name,
      node: self.id,
      tokensRequired: this.auth.tokensRequired,
      access: this.auth.peek(authorization),
      grafanaUrl: cluster.monitoring?.grafanaUrl ?? null,
      nodes: cluster.nodes.map((n) => n.id),
      roles: [...new Set(this.config.daemons.map((d) => d.role))],
    };
  }

  @Get('overview')
  overview(@Headers('authorization') authorization?: string) {
    this.auth.require(authorization, false);
    return this.overviews.overview(authorization);
  }

  @Get('queue-rates')
  queueRates(@Headers('authorization') authorization?: string) {
    this.auth.require(authorization, false);
    return this.overviews.queueRates();
  }

  /**
   * /api/d/{role}/{node|any}/{path}: the daemon's answer, status and body as
   * they came. `any` tries the role's nodes in order until one answers (the
   * lock nodes forward to their leader themselves). Writes are logged.
   */
  @All('d/:role/:node/*')
  async pass(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const target = proxyTarget(req.method, req.url);
    if ('problem' in target)
      throw new ApiError(target.status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', target.problem);
    const write = target.method !== 'GET';
    const access = this.auth.require(req.headers.authorization, write);
    const daemons =
      target.node === 'any'
        ? this.daemons.daemonsOf(target.role)
        : [this.daemons.find(target.role, target.node)].flatMap((d) => d ?? []);
    if (daemons.length === 0)
      throw new ApiError('NOT_FOUND', `no ${target.role} daemon on ${target.node} in this cluster`);
    const call: DaemonCall = {
      method: target.method,
      path: target.path,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.body !== undefined && req.body !== null ? { body: JSON.stringify(req.body) } : {}),
      ...(write ? { timeoutMs: CONSOLE_WRITE_TIMEOUT_MS } : {}),
    };
    let last = '';
    for (const daemon of daemons) {
      const answer = await this.daemons.call(daemon, call);
      if (!answer.ok || (target.node === 'any' && answer.status === 503 && daemon !== daemons.at(-1))) {
        last = answer.ok ? `${daemon.node} answered 503` : `${daemon.node}: ${answer.error}`;
        continue;
      }
      if (write) this.logWrite(req, access, daemon.node, call, String(answer.status));
      void reply
        .status(answer.status)
        .header('content-type', 'application/json; charset=utf-8')
        .header('x-dss-node', daemon.node)
        .send(answer.body);
      return;
    }
    if (write) this.logWrite(req, access, target.node, call, `no answer (${last})`);
    throw new ApiError('UNAVAILABLE', `no ${target.role} daemon answered (${last})`);
  }

  /** One line per write an operator made: who (the token's access, never the token), what, where, and the outcome. */
  private logWrite(req: FastifyRequest, access: string, node: string, call: DaemonCall, outcome: string): void {
    const body = call.body === undefined ? '' : ` ${call.body.slice(0, CONSOLE_AUDIT_BODY_CHARS)}`;
    this.audit.log(`${call.method} ${call.path}${body} on ${node} by ${access} from ${req.ip}: ${outcome}`);
  }
}

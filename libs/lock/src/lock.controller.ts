import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { LockOp, LockResponse } from './lock-response.js';
import { LockService } from './lock.service.js';

/** The lock API (docs/locks.md). Every answer names the current leader in X-DSS-Leader. */
@Controller('lock')
export class LockController {
  constructor(private readonly locks: LockService) {}

  @Post('acquire')
  @HttpCode(200)
  acquire(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('acquire', body, reply);
  }

  @Post('release')
  @HttpCode(200)
  release(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('release', body, reply);
  }

  @Post('renew')
  @HttpCode(200)
  renew(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('renew', body, reply);
  }

  @Post('acquire-set')
  @HttpCode(200)
  acquireSet(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('acquireSet', body, reply);
  }

  @Post('release-set')
  @HttpCode(200)
  releaseSet(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('releaseSet', body, reply);
  }

  @Post('renew-set')
  @HttpCode(200)
  renewSet(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('renewSet', body, reply);
  }

  /** GET /lock (no path segment after it, so it never meets GET /lock/{resource} nor the POST routes). */
  @Get()
  list(@Query() query: unknown, @Res() reply: FastifyReply) {
    return this.run('list', query, reply);
  }

  @Get(':resource')
  read(@Param('resource') resource: string, @Res() reply: FastifyReply) {
    return this.run('read', { resource }, reply);
  }

  private async run(op: LockOp, body: unknown, reply: FastifyReply): Promise<void> {
    let res: LockResponse;
    try {
      res = await this.locks.handle(op, body);
    } finally {
      const leader = this.locks.leader;
      if (leader !== null) void reply.header('x-dss-leader', leader);
    }
    await reply.status(res.status).send(res.body);
  }
}

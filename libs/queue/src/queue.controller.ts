import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ApiAnswer } from '@dss/http';
import { QueueService, type QueueOp } from './queue.service.js';

/** The queue API (docs/queue.md). */
@Controller('queue')
export class QueueController {
  constructor(private readonly queue: QueueService) {}

  @Post('publish')
  publish(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('publish', body, reply);
  }

  @Post('consume')
  consume(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('consume', body, reply);
  }

  @Post('ack')
  ack(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('ack', body, reply);
  }

  @Post('nack')
  nack(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('nack', body, reply);
  }

  @Post('extend')
  extend(@Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('extend', body, reply);
  }

  @Get(':topic')
  stats(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('stats', { topic }, reply);
  }

  @Get(':topic/dead')
  dead(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('dead', { topic }, reply);
  }

  @Post(':topic/dead/redrive')
  redrive(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('redrive', { topic }, reply);
  }

  private async run(op: QueueOp, body: unknown, reply: FastifyReply): Promise<void> {
    const answer: ApiAnswer = await this.queue.handle(op, body);
    await reply.status(answer.status).send(answer.body);
  }
}

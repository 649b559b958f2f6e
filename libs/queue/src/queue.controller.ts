import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
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

  @Get()
  topics(@Query() query: unknown, @Res() reply: FastifyReply) {
    return this.run('topics', query, reply);
  }

  @Get(':topic')
  stats(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('stats', { topic }, reply);
  }

  @Get(':topic/dead')
  dead(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('dead', { topic }, reply);
  }

  @Get(':topic/messages')
  browse(@Param('topic') topic: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    return this.run('browse', { topic }, reply, query);
  }

  @Post(':topic/dead/redrive')
  redrive(@Param('topic') topic: string, @Body() body: unknown, @Res() reply: FastifyReply) {
    return this.run('redrive', { topic }, reply, body);
  }

  @Delete(':topic/dead')
  purge(@Param('topic') topic: string, @Res() reply: FastifyReply) {
    return this.run('purge', { topic }, reply);
  }

  private async run(op: QueueOp, input: unknown, reply: FastifyReply, extra?: unknown): Promise<void> {
    const answer: ApiAnswer = await this.queue.handle(op, input, extra);
    await reply.status(answer.status).send(answer.body);
  }
}

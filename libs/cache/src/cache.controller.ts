import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiError, parseBody } from '@dss/http';
import { CacheLines } from './cache-lines.service.js';
import { checkKey, deleteBody, incrBody, putBody } from './cache-dto.js';
import { CoherenceView } from './coherence-view.service.js';
import { CacheValues } from './values/cache-values.service.js';
import { jsonBody, readBody, type Stored } from './values/stored-value.js';

/** The cache API (docs/cache.md). Any node serves any key. */
@Controller('cache')
export class CacheController {
  constructor(
    private readonly lines: CacheLines,
    private readonly values: CacheValues,
    private readonly view: CoherenceView,
  ) {}

  @Post('flush')
  @HttpCode(200)
  async flush() {
    return { flushed: await this.lines.flushAll('flush') };
  }

  @Put(':key')
  async put(@Param('key') key: string, @Body() body: unknown) {
    const k = checkKey(key);
    const { value, ttlMs, fence } = parseBody(putBody, body);
    await this.values.set(k, jsonBody(value), {
      ...(ttlMs === undefined ? {} : { expiresAt: Date.now() + ttlMs }),
      ...(fence === undefined ? {} : { fence: fence.token }),
    });
    return { key: k, state: 'M' };
  }

  @Post(':key/incr')
  @HttpCode(200)
  async incr(@Param('key') key: string, @Body() body: unknown) {
    const k = checkKey(key);
    const { by } = parseBody(incrBody, body ?? {});
    const value = await this.values.incrementBy(k, BigInt(by ?? 1));
    // Beyond 2^53 a JSON number would lose digits: such a counter is answered as a decimal string.
    return { key: k, value: Number.isSafeInteger(Number(value)) ? Number(value) : String(value) };
  }

  @Get(':key/coherence')
  coherence(@Param('key') key: string) {
    return this.view.all(checkKey(key));
  }

  @Get(':key')
  async get(@Param('key') key: string) {
    const k = checkKey(key);
    const found = await this.values.get(k);
    if (!found) throw notFound(k);
    const fence = found.fence === undefined ? {} : { fence: { token: found.fence } };
    return { key: k, ...httpValue(found), state: found.state, source: found.source, ...ttlOf(found), ...fence };
  }

  @Delete(':key')
  async remove(@Param('key') key: string, @Body() body: unknown) {
    const k = checkKey(key);
    const { fence } = parseBody(deleteBody, body ?? {});
    if (!(await this.values.delete(k, fence?.token))) throw notFound(k);
    return { key: k, deleted: true };
  }
}

const notFound = (key: string): ApiError => new ApiError('NOT_FOUND', `no value for key ${JSON.stringify(key)}`);

/** A value as HTTP answers it: JSON as written; bytes that are not UTF-8 (written over RESP) in base64. */
function httpValue(s: Stored): { value: unknown; encoding?: 'base64' } {
  const body = readBody(s.body);
  switch (body.kind) {
    case 'string':
      return { value: body.text };
    case 'json':
      return { value: body.json };
    case 'bytes':
      return { value: body.bytes.toString('base64'), encoding: 'base64' };
  }
}

const ttlOf = (s: Stored): { ttlMs?: number } =>
  s.expiresAt === undefined ? {} : { ttlMs: Math.max(0, s.expiresAt - Date.now()) };

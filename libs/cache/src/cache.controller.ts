import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiError, parseBody } from '@dss/http';
import { CacheLines } from './cache-lines.service.js';
import { checkKey, encodeValue, putBody } from './cache-dto.js';
import { CoherenceView } from './coherence-view.service.js';

/** The cache API (docs/cache.md). Any node serves any key. */
@Controller('cache')
export class CacheController {
  constructor(
    private readonly lines: CacheLines,
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
    const { value } = parseBody(putBody, body);
    await this.lines.write(k, encodeValue(value));
    return { key: k, state: 'M' };
  }

  @Get(':key/coherence')
  coherence(@Param('key') key: string) {
    return this.view.all(checkKey(key));
  }

  @Get(':key')
  async get(@Param('key') key: string) {
    const k = checkKey(key);
    const r = await this.lines.read(k);
    if (!r.found) throw new ApiError('NOT_FOUND', `no value for key ${JSON.stringify(k)}`);
    return { key: k, value: JSON.parse(r.value) as unknown, state: r.state, source: r.source };
  }

  @Delete(':key')
  async remove(@Param('key') key: string) {
    const k = checkKey(key);
    if (!(await this.lines.remove(k))) throw new ApiError('NOT_FOUND', `no value for key ${JSON.stringify(k)}`);
    return { key: k, deleted: true };
  }
}

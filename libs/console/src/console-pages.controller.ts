import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError } from '@dss/http';
import type { Asset } from './console-assets.js';

export const CONSOLE_ASSETS = Symbol('CONSOLE_ASSETS');

/**
 * The pages and their scripts. A strict Content-Security-Policy: the console
 * runs only its own files, so a message body or a lock owner shown on a page
 * can never run as script, even if a page forgot to escape it.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

@Controller()
export class ConsolePagesController {
  constructor(@Inject(CONSOLE_ASSETS) private readonly assets: ReadonlyMap<string, Asset>) {}

  @Get()
  index(@Headers('if-none-match') etag: string | undefined, @Res() reply: FastifyReply): void {
    this.send('index.html', etag, reply);
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Headers('if-none-match') etag: string | undefined, @Res() reply: FastifyReply) {
    if (file === 'index.html' || !this.assets.has(file)) throw new ApiError('NOT_FOUND', `no console file ${file}`);
    this.send(file, etag, reply);
  }

  private send(name: string, etag: string | undefined, reply: FastifyReply): void {
    const asset = this.assets.get(name)!;
    void reply.headers(SECURITY_HEADERS).header('etag', asset.etag);
    if (etag === asset.etag) void reply.status(304).send();
    else void reply.header('content-type', asset.type).send(asset.body);
  }
}

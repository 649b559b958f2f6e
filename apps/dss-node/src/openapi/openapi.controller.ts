import { Controller, Get, Header, Inject } from '@nestjs/common';

/** Injection token of the daemon's OpenAPI document, serialized once at start-up. */
export const OPENAPI_JSON = Symbol('OPENAPI_JSON');

/** GET /openapi.json: the contract of the endpoints this daemon serves (open like /health: docs/security.md). */
@Controller()
export class OpenApiController {
  constructor(@Inject(OPENAPI_JSON) private readonly json: string) {}

  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  document(): string {
    return this.json;
  }
}

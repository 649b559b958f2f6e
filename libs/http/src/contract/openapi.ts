import { z } from 'zod';
import { API_ERROR_STATUS, type ApiErrorCode } from '../api-error-codes.js';
import {
  API_ERROR_MEANING,
  codesForStatus,
  errorEnvelope,
  routeAnswers,
  type ApiHeader,
  type ApiRoute,
} from './api-route.js';

// Builds the OpenAPI 3.1 document from route tables (api-route.ts). OpenAPI 3.1
// schemas are JSON Schema 2020-12, which zod 4 emits itself (z.toJSONSchema):
// limits (.max, .min), defaults (.default) and enums appear as the validation
// enforces them. Built once (at start-up, or by scripts/api-docs.ts).

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly description: string;
    readonly license: { readonly name: string; readonly identifier: string };
  };
  readonly jsonSchemaDialect: string;
  readonly servers: readonly Record<string, unknown>[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly securitySchemes: Record<string, unknown>;
  };
}

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  /** Tag name → description, in the order they should appear. */
  readonly tags: Readonly<Record<string, string>>;
  /** SPDX licence identifier. */
  readonly license: string;
  /** The HTTP port a client reaches by default (the first node of the local cluster), and what to say about ports. */
  readonly port: { readonly default: number; readonly description: string };
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** A zod schema as JSON Schema 2020-12 (request side: `input`, so defaulted fields are optional; answers: `output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 200: 'OK', 201: 'Created' };

/** The token guard's challenge on a 401 (api-token.guard.ts). */
const CHALLENGE: Readonly<Record<string, ApiHeader>> = {
  'WWW-Authenticate': {
    description:
      'Bearer realm="dss", with error="invalid_token" for an unknown token or error="insufficient_scope" for a read-only one on a write',
    schema: z.string(),
  },
};

/** Component name of the plain error envelope of `code` (no details). */
const errorSchemaName = (code: ApiErrorCode) => `Error_${code}`;

/** The JSON Schema of an error answer: a $ref to the shared envelope, or inline when the code carries details here. */
function errorSchema(route: ApiRoute, status: number): JsonSchema {
  const one = (code: ApiErrorCode): JsonSchema => {
    const details = route.errorDetails?.[code];
    return details
      ? jsonSchemaOf(errorEnvelope(code, details), 'output')
      : { $ref: `#/components/schemas/${errorSchemaName(code)}` };
  };
  const codes = codesForStatus(route, status);
  return codes.length === 1 ? one(codes[0]!) : { anyOf: codes.map(one) };
}

function operation(route: ApiRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of routeAnswers(route)) {
    const success = status < 400;
    const description = success
      ? (STATUS_TEXT[status] ?? `status ${status}`)
      : codesForStatus(route, status)
          .map((c) => `${c}: ${API_ERROR_MEANING[c]}`)
          .join('; ');
    const contentType = success && route.contentType ? route.contentType : 'application/json';
    // The handler sets the answer headers: not on what the token guard or Fastify answers before it runs.
    const fromHandler = success || codesForStatus(route, status).some((c) => route.errors.includes(c));
    const headers = {
      ...(fromHandler ? route.answerHeaders : {}),
      ...(status === API_ERROR_STATUS.UNAUTHORIZED ? CHALLENGE : {}),
    };
    responses[String(status)] = {
      description,
      ...(Object.keys(headers).length > 0
        ? {
            headers: Object.fromEntries(
              Object.entries(headers).map(([name, h]) => [
                name,
                { description: h.description, schema: jsonSchemaOf(h.schema, 'output') },
              ]),
            ),
          }
        : {}),
      content: { [contentType]: { schema: success ? jsonSchemaOf(schema, 'output') : errorSchema(route, status) } },
    };
  }
  const inPath = Object.entries(route.params?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchemaOf(schema as z.ZodType, 'input'),
  }));
  const inQuery = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => {
    const s = schema as z.ZodType;
    const { description, ...rest } = jsonSchemaOf(s, 'input');
    return {
      name,
      in: 'query',
      required: !s.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
  const parameters = route.params || route.query ? [...inPath, ...inQuery] : undefined;
  const description = [route.description, ...(route.notes ?? []).map((n) => `- ${n}`)].filter(Boolean).join('\n\n');
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(description ? { description } : {}),
    // Open endpoints need no token; the others need one only when the cluster has API tokens (hence the empty alternative).
    security: route.open ? [] : [{ bearerAuth: [] }, {}],
    ...(parameters ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`. Throws on two routes with the same method and path. */
export function buildOpenApi(routes: readonly ApiRoute[], info: OpenApiInfo): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Set<string>();
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`the contract lists ${route.method.toUpperCase()} ${route.path} twice`);
    if (ids.has(route.operationId)) throw new Error(`the contract uses operationId ${route.operationId} twice`);
    ids.add(route.operationId);
    item[route.method] = operation(route);
  }
  const used = new Set(routes.map((r) => r.tag));
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: info.license, identifier: info.license },
    },
    jsonSchemaDialect: DIALECT,
    servers: [
      {
        url: '{scheme}://{host}:{port}',
        description: 'Any node of the role (each role has its own HTTP port)',
        variables: {
          scheme: {
            enum: ['http', 'https'],
            default: 'http',
            description: 'https when the cluster description says security.httpTls: true',
          },
          host: { default: '127.0.0.1' },
          port: { default: String(info.port.default), description: info.port.description },
        },
      },
    ],
    tags: Object.entries(info.tags)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: Object.fromEntries(
        (Object.keys(API_ERROR_STATUS) as ApiErrorCode[])
          .filter((c) => JSON.stringify(paths).includes(`"#/components/schemas/${errorSchemaName(c)}"`))
          .map((c) => [
            errorSchemaName(c),
            { ...jsonSchemaOf(errorEnvelope(c), 'output'), description: API_ERROR_MEANING[c] },
          ]),
      ),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Only when the cluster has API tokens (docs/security.md): "Authorization: Bearer <token>"; a read-only token may use GET and HEAD only.',
        },
      },
    },
  };
}

import {
  API_ERROR_MEANING,
  API_ERROR_STATUS,
  HTTP_MAX_BODY_BYTES,
  HTTP_MAX_PARAM_LENGTH,
  jsonSchemaOf,
  routeAnswers,
  routeErrorCodes,
  type ApiErrorCode,
  type ApiRoute,
  type JsonSchema,
} from '@dss/http';
import type { ZodType } from 'zod';
import { API_VERSION } from './api-document.js';

// docs/api.md, rendered from the same route tables as the OpenAPI document
// (scripts/api-docs.ts writes it; api-document.spec.ts fails when the committed
// file differs).

const TAG_TITLES: Readonly<Record<string, string>> = {
  node: 'Every daemon',
  lock: 'Locks',
  queue: 'Queue',
  cache: 'Cache',
};

function typeOf(s: JsonSchema): string {
  if ('const' in s) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.enum)) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonSchema[]).map(typeOf).join(' or ');
  if (s.type === 'array') return `array of ${typeOf((s.items as JsonSchema | undefined) ?? {})}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.additionalProperties as JsonSchema)}`;
  if (typeof s.type === 'string') return s.type;
  return 'any JSON';
}

const SAFE = Number.MAX_SAFE_INTEGER;

function limitsOf(s: JsonSchema): string {
  const out: string[] = [];
  const range = (lo: unknown, hi: unknown, unit: string) => {
    const l = typeof lo === 'number' && Math.abs(lo) !== SAFE ? lo : undefined;
    const h = typeof hi === 'number' && Math.abs(hi) !== SAFE ? hi : undefined;
    if (l !== undefined && h !== undefined) out.push(`${l}..${h}${unit}`);
    else if (l !== undefined) out.push(`≥ ${l}${unit}`);
    else if (h !== undefined) out.push(`≤ ${h}${unit}`);
  };
  range(s.minimum, s.maximum, '');
  range(s.minLength, s.maxLength, ' chars');
  range(s.minItems, s.maxItems, ' items');
  if (typeof s.pattern === 'string') out.push(`matches \`${s.pattern}\``);
  return out.join(', ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Rows for an object schema's fields (nested objects and arrays of objects as dotted names). */
function fieldRows(s: JsonSchema, prefix = '', withDefaults = false): string[] {
  const props = s.properties as Record<string, JsonSchema> | undefined;
  if (!props) return [];
  const required = new Set((s.required as string[] | undefined) ?? []);
  const rows: string[] = [];
  for (const [name, p] of Object.entries(props)) {
    const full = `${prefix}${name}`;
    const dflt = withDefaults && 'default' in p ? `\`${JSON.stringify(p.default)}\`` : '';
    const description = typeof p.description === 'string' ? p.description : '';
    const cols = [
      `\`${full}\``,
      typeOf(p),
      required.has(name) ? 'yes' : 'no',
      ...(withDefaults ? [dflt] : []),
      limitsOf(p),
      description,
    ];
    rows.push(`| ${cols.map(cell).join(' | ')} |`);
    const items = p.type === 'array' ? (p.items as JsonSchema | undefined) : undefined;
    if (p.type === 'object') rows.push(...fieldRows(p, `${full}.`, withDefaults));
    if (items?.type === 'object') rows.push(...fieldRows(items, `${full}[].`, withDefaults));
  }
  return rows;
}

function fieldsTable(s: JsonSchema, withDefaults: boolean): string[] {
  const rows = fieldRows(s, '', withDefaults);
  if (rows.length === 0) return [`${typeOf(s)}`];
  const head = withDefaults
    ? ['Field', 'Type', 'Required', 'Default', 'Limits', 'Notes']
    : ['Field', 'Type', 'Always', 'Limits', 'Notes'];
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows];
}

function errorDetails(route: ApiRoute, code: ApiErrorCode): string {
  const details = route.errorDetails?.[code];
  if (!details) return '';
  const fields = Object.entries(details).map(([k, schema]) => {
    const s = jsonSchemaOf(schema as ZodType, 'output');
    const items = s.type === 'array' ? (s.items as JsonSchema) : undefined;
    const type =
      items?.type === 'object' ? `array of {${Object.keys(items.properties as object).join(', ')}}` : typeOf(s);
    return `\`${k}\` (${type})`;
  });
  return `, with ${fields.join(', ')}`;
}

function endpoint(route: ApiRoute): string[] {
  const out = [`### ${route.method.toUpperCase()} ${route.path}`, '', route.summary + '.', ''];
  if (route.description) out.push(route.description, '');
  for (const n of route.notes ?? []) out.push(`- ${n}`);
  if (route.notes?.length) out.push('');
  out.push(
    route.open
      ? 'No token needed.'
      : 'Needs a token when the cluster has API tokens' +
          (route.method === 'get' ? ' (read-only is enough).' : ' (read-write).'),
    '',
  );
  if (route.answerHeaders) {
    for (const [name, h] of Object.entries(route.answerHeaders))
      out.push(`Answers carry \`${name}\`: ${h.description}.`, '');
  }
  if (route.params) {
    out.push(
      '**Path parameters**',
      '',
      ...fieldsTable(jsonSchemaOf(route.params, 'input'), false).map((l) => l.replace('| Always |', '| Required |')),
      '',
    );
  }
  if (route.query) {
    out.push('**Query parameters**', '', ...fieldsTable(jsonSchemaOf(route.query, 'input'), true), '');
  }
  if (route.body) {
    out.push(
      `**Body** (JSON${route.bodyOptional ? ', optional' : ''}; unknown fields are refused)`,
      '',
      ...fieldsTable(jsonSchemaOf(route.body, 'input'), true),
      '',
    );
  }
  for (const [status, schema] of routeAnswers(route)) {
    if (status >= 400) continue;
    out.push(
      `**${status}**${route.contentType ? ` (${route.contentType})` : ''}`,
      '',
      ...fieldsTable(jsonSchemaOf(schema, 'output'), false),
      '',
    );
  }
  out.push('**Errors**', '');
  for (const code of routeErrorCodes(route))
    out.push(`- ${API_ERROR_STATUS[code]} \`${code}\`${errorDetails(route, code)}`);
  out.push('');
  return out;
}

/** docs/api.md for `routes`. */
export function renderApiMarkdown(routes: readonly ApiRoute[]): string {
  const tags = [...new Set(routes.map((r) => r.tag))];
  const out = [
    '# HTTP API',
    '',
    '<!-- Generated by `npm run docs:api` from the route tables (libs/*/src/*-api.ts); do not edit. A unit test fails when this file is out of date. -->',
    '',
    `Version ${API_VERSION}. The same contract as an OpenAPI 3.1 document: [openapi.json](openapi.json), and from every daemon at \`GET /openapi.json\` (that daemon's role and the endpoints every daemon serves).`,
    'The prose guides: [locks](locks.md), [queue](queue.md), [cache](cache.md), [client library](client.md).',
    '',
    '## Conventions',
    '',
    `- Bodies are JSON objects of at most ${HTTP_MAX_BODY_BYTES} bytes (\`413 PAYLOAD_TOO_LARGE\` beyond); a wrong type, a missing or unknown field or a value out of range is \`400 INVALID_ARGUMENT\` naming the field, and nothing is changed.`,
    `- A path parameter longer than ${HTTP_MAX_PARAM_LENGTH} characters (percent-encoded) is refused with 414 before any handler runs.`,
    '- Every error is `{"error": {"code": "...", "message": "...", ...details}}`; the codes:',
    '',
    '| Code | Status | Meaning |',
    '|---|---|---|',
    ...(Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).map(
      (c) => `| \`${c}\` | ${API_ERROR_STATUS[c]} | ${cell(API_ERROR_MEANING[c])} |`,
    ),
    '',
    '- With API tokens (docs/security.md), send `Authorization: Bearer <token>`; `/health`, `/ready`, `/metrics` and `/openapi.json` are open. A refused token is `401 UNAUTHORIZED` with a `WWW-Authenticate: Bearer` challenge; a read-only token may use GET only.',
    '',
    '## Endpoints',
    '',
    '| Method | Path | Summary | Success | Errors |',
    '|---|---|---|---|---|',
    ...routes.map((r) => {
      const ok = [...routeAnswers(r).keys()].filter((s) => s < 400).join(', ');
      const codes = routeErrorCodes(r)
        .map((c) => `\`${c}\``)
        .join(' ');
      const anchor = `${r.method} ${r.path}`
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-');
      return `| ${r.method.toUpperCase()} | [\`${r.path}\`](#${anchor}) | ${cell(r.summary)} | ${ok} | ${codes} |`;
    }),
    '',
  ];
  for (const tag of tags) {
    out.push(`## ${TAG_TITLES[tag] ?? tag}`, '');
    for (const r of routes.filter((x) => x.tag === tag)) out.push(...endpoint(r));
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

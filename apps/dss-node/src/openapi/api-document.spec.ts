import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { NODE_ROUTES, OPEN_PATHS, type JsonSchema } from '@dss/http';
import { defaultRoleRegistry } from '../roles/default-roles.js';
import { allRoutes, apiDocument, daemonRoutes } from './api-document.js';
import { renderedApiDocs } from './rendered-docs.js';

const ROOT = join(__dirname, '..', '..', '..', '..');
const registry = defaultRoleRegistry();
const roles = registry.names.map((n) => registry.resolve(n));
const doc = apiDocument(allRoutes(roles)) as unknown as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
} & JsonSchema;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Operation {
  operationId: string;
  responses: Record<string, { content: Record<string, { schema: JsonSchema }> }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  parameters?: { name: string; in: string; schema: JsonSchema }[];
}

/** Every schema object of the document: parameters, bodies, answers, headers. */
function schemas(): [string, JsonSchema][] {
  const out: [string, JsonSchema][] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const p of op.parameters ?? []) out.push([`${at} param ${p.name}`, p.schema]);
      for (const [ct, c] of Object.entries(op.requestBody?.content ?? {})) out.push([`${at} body ${ct}`, c.schema]);
      for (const [status, r] of Object.entries(op.responses))
        for (const c of Object.values(r.content)) out.push([`${at} ${status}`, c.schema]);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with JSON Schema 2020-12, and every path has operations with answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\/[A-Za-z0-9._/{}-]*$/);
      const ops = Object.keys(item);
      expect([path, ops.length > 0, ops.every((m) => METHODS.includes(m))]).toEqual([path, true, true]);
      for (const op of Object.values(item)) {
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        // Every {param} of the path is declared, and nothing else.
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        expect(
          (op.parameters ?? [])
            .filter((p) => p.in === 'path')
            .map((p) => p.name)
            .sort(),
        ).toEqual(inPath);
      }
    }
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has every $ref resolve inside the document', () => {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
          doc,
        );
      expect([ref, target !== undefined]).toEqual([ref, true]);
    }
  });

  it('has only valid JSON Schema 2020-12 schemas (Ajv, strict), shared ones included', () => {
    const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
    const components = (doc.components as { schemas: Record<string, JsonSchema> }).schemas;
    // Each schema is compiled on its own, so references into the document are inlined first.
    const inline = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(inline);
      if (!v || typeof v !== 'object') return v;
      const ref = (v as { $ref?: string }).$ref;
      if (ref) return inline(components[ref.replace('#/components/schemas/', '')]);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, inline(x)]));
    };
    const all = [...schemas(), ...Object.entries(components)];
    for (const [where, schema] of all) {
      let problem = '';
      try {
        ajv.compile(inline(schema) as JsonSchema);
      } catch (err) {
        problem = (err as Error).message;
      }
      expect([where, problem]).toEqual([where, '']);
    }
    expect(all.length).toBeGreaterThan(50);
  });

  it('carries the limits and defaults the validation enforces', () => {
    const acquire = doc.paths['/lock/acquire']!.post!.requestBody!.content['application/json']!.schema as {
      properties: Record<string, JsonSchema>;
      required: string[];
      additionalProperties: unknown;
    };
    expect(acquire.properties.ttlMs).toMatchObject({
      type: 'integer',
      minimum: 100,
      maximum: 3_600_000,
      default: 30_000,
    });
    expect(acquire.properties.mode).toMatchObject({ enum: ['exclusive', 'shared'], default: 'exclusive' });
    expect(acquire.properties.resource).toMatchObject({ maxLength: 256, minLength: 1 });
    expect(acquire.required.sort()).toEqual(['owner', 'resource']);
    expect(acquire.additionalProperties).toBe(false);
    const locked = doc.paths['/lock/acquire']!.post!.responses['409']!.content['application/json']!.schema;
    expect(JSON.stringify(locked)).toContain('"LOCKED"');
    expect(JSON.stringify(locked)).toContain('"DEADLOCK"');
    expect(doc.paths['/queue/publish']!.post!.responses['201']).toBeDefined();
  });

  it('asks for a bearer token exactly where the guard does (OPEN_PATHS)', () => {
    const open = allRoutes(roles).filter((r) => r.open);
    expect(open.every((r) => r.method === 'get')).toBe(true);
    expect(new Set(open.map((r) => r.path))).toEqual(OPEN_PATHS);
    expect(NODE_ROUTES.map((r) => r.path)).toContain('/openapi.json');
  });

  it("gives each daemon its role's endpoints and the common ones", () => {
    const lock = Object.keys(apiDocument(daemonRoutes(registry.resolve('lock')), 'lock').paths);
    expect(lock).toEqual(expect.arrayContaining(['/health', '/openapi.json', '/lock/acquire', '/redis']));
    expect(lock.some((p) => p.startsWith('/queue') || p.startsWith('/cache'))).toBe(false);
  });

  // Run `npm run docs:api` after changing a route table, a schema or a limit.
  it.each(Object.entries(renderedApiDocs()))('%s is what the generator writes (npm run docs:api)', (path, text) => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(text);
  });
});

import {
  buildOpenApi,
  HTTP_MAX_BODY_BYTES,
  HTTP_MAX_PARAM_LENGTH,
  NODE_ROUTES,
  type ApiRoute,
  type OpenApiDocument,
} from '@dss/http';
import type { RolePlugin } from '../roles/role-plugin.js';

// The OpenAPI document of DSS's client API, from the route tables of the
// roles (RolePlugin.routes) and the endpoints every daemon serves. A daemon
// serves its own role's part (GET /openapi.json): a client generated from it
// calls only endpoints that port answers. docs/openapi.json is the whole
// document, every role's part (scripts/api-docs.ts).

/** The version of the API contract; follows package.json's version. */
export const API_VERSION = '0.1.0';

const DESCRIPTION = [
  'DSS: distributed locks (Raft), an at-least-once queue and a coherent cache (MESI), one daemon per role and node.',
  'Every role listens on its own HTTP port; any node of a role serves any request of that role.',
  'Errors are `{"error": {"code", "message", ...details}}` with the codes listed per endpoint (docs/api.md).',
  'When the cluster has API tokens (docs/security.md), every endpoint but /health, /ready, /metrics and /openapi.json needs `Authorization: Bearer <token>`.',
  `Request bodies are JSON objects of at most ${HTTP_MAX_BODY_BYTES} bytes (413 PAYLOAD_TOO_LARGE beyond); unknown fields are refused. A path parameter longer than ${HTTP_MAX_PARAM_LENGTH} characters (percent-encoded) is refused with 414.`,
].join('\n\n');

const TAGS: Readonly<Record<string, string>> = {
  node: 'Served by every daemon, whatever its role',
  lock: 'Locks with fencing tokens, replicated by Raft (lock daemons; docs/locks.md)',
  queue: 'Topics with at-least-once delivery, stored in Redis (queue daemons; docs/queue.md)',
  cache: 'A coherent cache of JSON values (cache daemons; docs/cache.md)',
};

/** The routes one daemon of `role` serves. */
export function daemonRoutes(role: RolePlugin): readonly ApiRoute[] {
  return [...NODE_ROUTES, ...role.routes];
}

/** Every route of every role, the node endpoints once. */
export function allRoutes(roles: readonly RolePlugin[]): readonly ApiRoute[] {
  return [...NODE_ROUTES, ...roles.flatMap((r) => r.routes)];
}

/** The local cluster's first HTTP port of each role (README.md, "Ports"); on a VM the same. */
const FIRST_PORT: Readonly<Record<string, number>> = { lock: 8001, queue: 8011, cache: 8021 };
const PORTS = 'lock 8001, queue 8011, cache 8021 on a VM; locally node1..3 use 8001-8003, 8011-8013, 8021-8023';

/** The document of `routes`; `scope` (a role) names what it covers in the title and the default port. */
export function apiDocument(routes: readonly ApiRoute[], scope?: string): OpenApiDocument {
  return buildOpenApi(routes, {
    title: scope ? `DSS ${scope} API` : 'DSS API',
    version: API_VERSION,
    description: DESCRIPTION,
    tags: TAGS,
    license: 'MIT',
    port: { default: FIRST_PORT[scope ?? 'lock'] ?? 8001, description: PORTS },
  });
}

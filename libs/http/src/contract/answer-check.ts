import { routeAnswers, type ApiRoute, type HttpMethod } from './api-route.js';

// Checks a real answer against the contract: which route a method and path
// reach (as the router would: a literal segment beats a parameter), and
// whether the body validates against that route's schema for the status.
// Used by the integration tests' HTTP helpers (test/support/local-cluster.ts).

interface CompiledRoute {
  readonly route: ApiRoute;
  readonly segments: readonly (string | null)[];
  readonly literals: number;
}

function compile(route: ApiRoute): CompiledRoute {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((s) => (/^\{[^}]+\}$/.test(s) ? null : s));
  return { route, segments, literals: segments.filter((s) => s !== null).length };
}

export class AnswerChecker {
  private readonly routes: readonly CompiledRoute[];

  constructor(routes: readonly ApiRoute[]) {
    this.routes = routes.map(compile);
  }

  /** The route `method` + `path` (no query, still percent-encoded) reaches, or undefined. */
  match(method: string, path: string): ApiRoute | undefined {
    const m = method.toLowerCase() as HttpMethod;
    const parts = path.split('?')[0]!.split('/').slice(1);
    let best: CompiledRoute | undefined;
    for (const r of this.routes) {
      if (r.route.method !== m || r.segments.length !== parts.length) continue;
      if (!r.segments.every((s, i) => (s === null ? parts[i] !== '' : s === parts[i]))) continue;
      if (!best || r.literals > best.literals) best = r;
    }
    return best?.route;
  }

  /** Null when the answer is what the contract says; else what differs. */
  check(method: string, path: string, status: number, body: unknown): string | null {
    const route = this.match(method, path);
    if (!route) return `${method} ${path}: no route in the contract`;
    const schema = routeAnswers(route).get(status);
    const where = `${method} ${path} (${route.method.toUpperCase()} ${route.path}) answered ${status}`;
    if (!schema) return `${where}: the contract lists no such status (${[...routeAnswers(route).keys()].join(', ')})`;
    const parsed = schema.safeParse(body);
    if (parsed.success) return null;
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return `${where}: ${issues} in ${JSON.stringify(body).slice(0, 300)}`;
  }
}

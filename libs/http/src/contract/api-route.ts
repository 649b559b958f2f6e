import { z } from 'zod';
import { API_ERROR_STATUS, type ApiErrorCode } from '../api-error-codes.js';

// The public HTTP contract as data: each endpoint declares its request and
// answer schemas (the zod schemas the handlers validate with, and zod schemas
// of what they answer). The OpenAPI document (openapi.ts), docs/api.md and the
// integration tests' answer check (answer-check.ts) are all derived from these
// tables. Pure: no Nest, nothing per request.

export type HttpMethod = 'get' | 'put' | 'post' | 'delete';

/** What each error code means, for the document and docs/api.md. */
export const API_ERROR_MEANING: Readonly<Record<ApiErrorCode, string>> = {
  INVALID_ARGUMENT:
    'the request is malformed: bad JSON, a wrong type, a missing or unknown field, a value out of range (the message names the field); nothing was changed',
  UNAUTHORIZED:
    'the cluster has API tokens and the request carried none, an unknown one, or a read-only one on a write; nothing was changed',
  NOT_FOUND: 'the lock, key or resource does not exist (or is not held by this owner)',
  LOCKED: 'the lock is held by someone else (and waitMs ran out); `holders` says by whom',
  DEADLOCK: 'waiting would close a cycle in the wait-for graph; `cycle` lists it',
  PERMITS_MISMATCH:
    'the resource is held or waited for with another permit count (a lock asked for as a semaphore, or the reverse); `permits` is its count',
  ALREADY_HELD:
    'the owner already holds or waits for a member of the lock set; a set is taken whole (renew-set refreshes held leases)',
  STALE_RECEIPT: 'the receipt is no longer valid: its visibility ran out or it was acked/nacked already',
  FENCED:
    "the request's fencing token is older than one the key or topic already accepted (a later lock holder wrote it); `fence` is that token; nothing was changed",
  PAYLOAD_TOO_LARGE: 'the body or a value is over its limit',
  INTERNAL: 'a bug: the node logged it',
  UNAVAILABLE:
    'the service cannot serve now (no majority, storage unreachable, shutting down); nothing was changed, retry later',
  TIMEOUT:
    'the request did not complete in time; its outcome is unknown (retry with the same requestId/dedupId where there is one)',
};

/** An answer header (X-DSS-Leader on the lock API). */
export interface ApiHeader {
  readonly description: string;
  readonly schema: z.ZodType;
}

export interface ApiRoute {
  readonly method: HttpMethod;
  /** The path in OpenAPI form: `/lock/{resource}`. */
  readonly path: string;
  readonly operationId: string;
  /** Group in the document and docs/api.md: the role, or `node` for endpoints every daemon serves. */
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** Path parameters (each a string in the URL, percent-encoded). */
  readonly params?: z.ZodObject;
  /** Query parameters (each a string in the URL; all optional unless the schema says otherwise). */
  readonly query?: z.ZodObject;
  /** JSON request body; `bodyOptional` when the endpoint accepts none. */
  readonly body?: z.ZodType;
  readonly bodyOptional?: boolean;
  /** Successful answers: status → schema of the JSON body (or text, with `contentType`). */
  readonly answers: Readonly<Partial<Record<number, z.ZodType>>>;
  /** Content type of the successful answer when it is not JSON (GET /metrics). */
  readonly contentType?: string;
  /**
   * Error codes the endpoint answers besides those every endpoint may: INTERNAL,
   * UNAUTHORIZED (unless `open`), INVALID_ARGUMENT (with params, a query or a body) and
   * PAYLOAD_TOO_LARGE (with a body). See `routeErrorCodes`.
   */
  readonly errors: readonly ApiErrorCode[];
  /** Extra fields of an error envelope, per code (LOCKED carries `holders`). */
  readonly errorDetails?: Partial<Record<ApiErrorCode, z.ZodRawShape>>;
  /** Answered without a token even when the cluster has API tokens (probes, scrapes, this contract). */
  readonly open?: boolean;
  /** Headers on every answer of the endpoint. */
  readonly answerHeaders?: Readonly<Record<string, ApiHeader>>;
  /** Limits and behaviour worth stating in prose (the schemas carry the numeric ones). */
  readonly notes?: readonly string[];
}

/** Every error code `route` may answer, in API_ERROR_STATUS order. */
export function routeErrorCodes(route: ApiRoute): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(route.errors);
  codes.add('INTERNAL');
  if (!route.open) codes.add('UNAUTHORIZED');
  if (route.params || route.query || route.body) codes.add('INVALID_ARGUMENT');
  if (route.body) codes.add('PAYLOAD_TOO_LARGE');
  return (Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).filter((c) => codes.has(c));
}

/** The error envelope for one code: `{"error": {"code", "message", ...details}}`. */
export function errorEnvelope(code: ApiErrorCode, details: z.ZodRawShape = {}): z.ZodType {
  return z.strictObject({ error: z.strictObject({ code: z.literal(code), message: z.string(), ...details }) });
}

const answerCache = new WeakMap<ApiRoute, ReadonlyMap<number, z.ZodType>>();

/** Every answer of `route`: status → body schema, successes then errors (codes sharing a status are one union). */
export function routeAnswers(route: ApiRoute): ReadonlyMap<number, z.ZodType> {
  const cached = answerCache.get(route);
  if (cached) return cached;
  const out = new Map<number, z.ZodType>();
  for (const [status, schema] of Object.entries(route.answers)) out.set(Number(status), schema!);
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of routeErrorCodes(route)) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    const envelopes = codes.map((c) => errorEnvelope(c, route.errorDetails?.[c]));
    out.set(status, envelopes.length === 1 ? envelopes[0]! : z.union(envelopes));
  }
  answerCache.set(route, out);
  return out;
}

/** The codes behind an error status of `route` (for descriptions). */
export function codesForStatus(route: ApiRoute, status: number): ApiErrorCode[] {
  return routeErrorCodes(route).filter((c) => API_ERROR_STATUS[c] === status);
}

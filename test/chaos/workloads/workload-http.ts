// HTTP for the workloads: every call has a timeout (a partitioned node may
// never answer) and never throws, because under faults a network error is an
// expected outcome the caller records as 'unknown'. Self-contained so the
// workloads do not depend on the local-cluster launcher.

export type HttpResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  /** `sent` is false when no connection was made (refused, unreachable): the server never saw the request. */
  | { readonly ok: false; readonly error: string; readonly sent: boolean };

/** Connection errors that prove the request never reached a server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export async function httpJson(method: string, url: string, body: unknown, timeoutMs: number): Promise<HttpResult> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { ok: true, status: res.status, body: parseJson(text) };
  } catch (err: unknown) {
    const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      error: code ? `${message} (${code})` : message,
      sent: code === undefined || !NOT_SENT_CODES.has(code),
    };
  }
}

export const postJson = (url: string, body: unknown, timeoutMs: number): Promise<HttpResult> =>
  httpJson('POST', url, body, timeoutMs);

/** Why a call did not succeed, for an unknown op's reason. */
export function describeFailure(res: HttpResult): string {
  return res.ok ? `HTTP ${res.status}` : `network error: ${res.error}`;
}

/** A status in 400-499: the server refused, so the operation certainly did not happen. */
export function isClientError(res: HttpResult): boolean {
  return res.ok && res.status >= 400 && res.status < 500;
}

// A proxy's or a dying server's non-JSON reply is still an answer with a status.
function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * A client's node, as DSS's client keeps its endpoint (libs/client
 * EndpointPool): it stays on one node and moves to the next when that node
 * fails, so after a fault its requests go where the cluster still serves.
 */
export class NodeCursor {
  private index: number;

  constructor(
    private readonly nodes: readonly string[],
    start: number,
  ) {
    this.index = start % nodes.length;
  }

  get current(): string {
    return this.nodes[this.index]!;
  }

  /** `node` failed: move on, unless another failure moved on already. */
  failed(node: string): void {
    if (this.current === node) this.index = (this.index + 1) % this.nodes.length;
  }
}

/** How one attempt's answer counts: the op's result, a failure to try on the next node, or the end. */
export type AttemptVerdict = 'done' | 'retry' | 'stop';

/**
 * One operation through the cursor's node, repeated on the next nodes while
 * `judge` says 'retry' and the op's deadline allows, as the DSS client does
 * (docs/client.md, failover and retries). Returns the last answer and the
 * node that gave it.
 */
export async function withFailover(
  cursor: NodeCursor,
  deadline: number,
  attempt: (node: string, timeoutMs: number) => Promise<HttpResult>,
  judge: (res: HttpResult) => AttemptVerdict,
  attemptTimeoutMs: number,
): Promise<{ res: HttpResult; node: string }> {
  for (let tries = 0; ; tries++) {
    const node = cursor.current;
    const res = await attempt(node, Math.max(1, Math.min(attemptTimeoutMs, deadline - Date.now())));
    const verdict = judge(res);
    if (verdict !== 'retry') return { res, node };
    cursor.failed(node);
    if (Date.now() + RETRY_PAUSE_MS >= deadline) return { res, node };
    // A short pause once every node was tried: the cluster may be electing or failing over.
    if (tries % 3 === 2) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
}

const RETRY_PAUSE_MS = 100;

/** An answer that says the node cannot serve now, or no answer at all: worth another node for a request that is safe to repeat. */
export function transient(res: HttpResult): boolean {
  return !res.ok || res.status === 503 || res.status === 504 || res.status >= 500;
}

/** A failure that proves nothing changed (no connection, or 503: "nothing is half-applied"): any request may go to the next node. */
export function provablyNotApplied(res: HttpResult): boolean {
  return res.ok ? res.status === 503 : !res.sent;
}

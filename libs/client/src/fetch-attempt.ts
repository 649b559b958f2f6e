// One HTTP attempt against one endpoint: a per-attempt timeout that covers the
// body too, the caller's signal, and a verdict the retry loop can act on. The
// verdict's `sent` says whether the server may have processed the request,
// which decides whether an unsafe call may be repeated.

export interface AttemptRequest {
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export type AttemptOutcome =
  /** An HTTP answer, whatever its status; `body` is the parsed JSON (or the text when it is not JSON). */
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown; readonly latencyMs: number }
  /** No answer. `sent: false` only when the connection was never made, so the server cannot have seen it. */
  | { readonly kind: 'failed'; readonly sent: boolean; readonly error: string; readonly cause: unknown }
  /** The caller's signal aborted. */
  | { readonly kind: 'aborted'; readonly reason: unknown };

/**
 * Errors that mean no connection was made: refused, no such host, no route, or
 * the connect itself timed out (undici). The request bytes never left.
 */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The ports fetch refuses outright, before any connection (the Fetch standard's
 * "block bad port" list, https://fetch.spec.whatwg.org/#port-blocking): a request
 * to one of them fails without being sent. Named by the request's port rather
 * than by the error's text, which no standard fixes.
 */
const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

function blockedByFetch(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // not a URL: fetch refuses it for that, not for its port
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.port === '') return false;
  return FETCH_BAD_PORTS.has(Number(parsed.port));
}

// Duck-typed, not instanceof: fetch's errors can come from another realm (a jest VM context).
const causeOf = (err: unknown): unknown =>
  typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
const messageOf = (err: unknown): string | undefined => {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
};

/** The first `code` found on the error, its cause chain or an AggregateError's members. */
export function networkErrorCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const fromCause = networkErrorCode((err as { cause?: unknown }).cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  const members = (err as { errors?: unknown }).errors;
  if (Array.isArray(members)) {
    for (const member of members) {
      const c = networkErrorCode(member, depth + 1);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = networkErrorCode(err);
  const message = messageOf(err) ?? String(err);
  const causeMessage = messageOf(causeOf(err));
  const text = causeMessage && causeMessage !== message ? `${message}: ${causeMessage}` : message;
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function attemptOnce(
  fetchFn: typeof fetch,
  req: AttemptRequest,
  now: () => number,
): Promise<AttemptOutcome> {
  const { signal } = req;
  if (signal?.aborted) return { kind: 'aborted', reason: signal.reason };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${req.timeoutMs} ms`));
  }, req.timeoutMs);
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const started = now();
  try {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetchFn(req.url, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: controller.signal,
    });
    const text = await res.text();
    return { kind: 'answer', status: res.status, body: parseBody(text), latencyMs: now() - started };
  } catch (err) {
    if (signal?.aborted) return { kind: 'aborted', reason: signal.reason };
    if (timedOut) return { kind: 'failed', sent: true, error: `no answer within ${req.timeoutMs} ms`, cause: err };
    const code = networkErrorCode(err);
    const notSent = (code !== undefined && NOT_CONNECTED.has(code)) || blockedByFetch(req.url);
    return { kind: 'failed', sent: !notSent, error: describe(err), cause: err };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

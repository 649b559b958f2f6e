// HTTP for the workloads: every call has a timeout (a partitioned node may
// never answer) and never throws, because under faults a network error is an
// expected outcome the caller records as 'unknown'. Self-contained so the
// workloads do not depend on the local-cluster launcher.

export type HttpResult = { readonly ok: true; readonly status: number; readonly body: unknown } | { readonly ok: false; readonly error: string };

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
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export const postJson = (url: string, body: unknown, timeoutMs: number): Promise<HttpResult> => httpJson('POST', url, body, timeoutMs);

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

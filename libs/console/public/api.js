// The console's one way to call its server: the token (kept for this browser
// tab only, in sessionStorage) goes with every call; errors carry the API's code.

const TOKEN_KEY = 'dss-console-token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiFailure extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** fetch of the console's API; resolves to the JSON answer, or throws ApiFailure. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const t = token.get();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiFailure(0, 'UNREACHABLE', `the console did not answer (${err.message})`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiFailure(res.status, 'BAD_ANSWER', `answer ${res.status} is not JSON`);
  }
  if (!res.ok) {
    const e = json.error ?? {};
    throw new ApiFailure(res.status, e.code ?? String(res.status), e.message ?? `HTTP ${res.status}`, json);
  }
  return json;
}

/** A daemon's API through the console: role, node id or "any", and the daemon's own path. */
export const daemon = (role, node, path, init) => api(`api/d/${role}/${node}${path}`, init);

export const enc = encodeURIComponent;

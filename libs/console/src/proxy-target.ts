// Which daemon requests the console passes on: the role APIs and the cluster
// views, for the daemons of the description, nothing else (not /metrics, not a
// host the browser names). Pure, so the rules have their own unit test.

/** Paths the pass-through forwards, by their first segment on the daemon. */
const FORWARDED = /^\/(lock|queue|cache|cluster|redis)(?:[/?]|$)/;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const isMethod = (m: string): m is Method => (METHODS as readonly string[]).includes(m);

export type ProxyTarget =
  | { readonly role: string; readonly node: string; readonly method: Method; readonly path: string }
  | { readonly problem: string; readonly status: 400 | 404 };

/** `/api/d/{role}/{node}/{rest}` → the daemon request, path and query kept percent-encoded as the browser sent them. */
export function proxyTarget(method: string, url: string): ProxyTarget {
  const m = /^\/api\/d\/([a-z][a-z0-9-]{0,31})\/([a-z][a-z0-9-]{0,31})(\/[^#]*)$/.exec(url);
  if (!m) return { problem: 'expected /api/d/{role}/{node}/{path}', status: 400 };
  const [, role, node, path] = m;
  if (!isMethod(method)) return { problem: `${method} is not passed on`, status: 400 };
  if (!FORWARDED.test(path!)) return { problem: `${path} is not a path the console passes on`, status: 404 };
  if (path!.split('?')[0]!.split('/').includes('..')) return { problem: 'dot segments are not passed on', status: 400 };
  return { role: role!, node: node!, method, path: path! };
}

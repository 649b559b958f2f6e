import { NodeCursor, provablyNotApplied, transient, withFailover, type HttpResult } from './workload-http.js';

// The workload clients' failover, as DSS's client does it: stay on a node,
// move on when it fails, stop at the op's deadline.

const ok: HttpResult = { ok: true, status: 200, body: {} };
const busy: HttpResult = { ok: true, status: 503, body: {} };
const refused: HttpResult = { ok: false, error: 'fetch failed (ECONNREFUSED)', sent: false };
const timedOut: HttpResult = { ok: false, error: 'timeout', sent: true };

describe('workload failover', () => {
  it('stays on a node that answers and moves on from one that fails', async () => {
    const cursor = new NodeCursor(['a', 'b', 'c'], 1);
    const tried: string[] = [];
    const answers: Record<string, HttpResult> = { a: ok, b: busy, c: refused };
    const { res, node } = await withFailover(
      cursor,
      Date.now() + 5000,
      async (n) => (tried.push(n), answers[n]!),
      (r) => (transient(r) ? 'retry' : 'done'),
      1000,
    );
    expect(tried).toEqual(['b', 'c', 'a']);
    expect({ res, node }).toEqual({ res: ok, node: 'a' });
    expect(cursor.current).toBe('a');
  });

  it('gives up at the deadline with the last answer', async () => {
    const cursor = new NodeCursor(['a', 'b'], 0);
    const { res } = await withFailover(
      cursor,
      Date.now() + 300,
      async () => busy,
      () => 'retry',
      100,
    );
    expect(res).toBe(busy);
  });

  it('moves a cache request on only when nothing can have changed', () => {
    expect(provablyNotApplied(busy)).toBe(true);
    expect(provablyNotApplied(refused)).toBe(true);
    expect(provablyNotApplied(timedOut)).toBe(false);
    expect(provablyNotApplied({ ok: true, status: 504, body: {} })).toBe(false);
  });
});

import fc from 'fast-check';
import { NODES, ROLES, specName, type EndpointSpec, type GeneratedRequest } from './endpoints.js';
import { approxBytes, toJsonText } from './json-text.js';
import { send, type RawAnswer, type RawRequest } from './raw-http.js';
import { NO_STATE, type Domain, type UrlOf } from './state.js';

// One property per endpoint: whatever the request, the answer is never a 5xx,
// every 4xx carries the error envelope, and an answer that must not change
// the state (any 4xx, any read) left it as it was.

const BODY_LIMIT = 1024 * 1024;
/** The 4xx codes of the public API (docs/locks.md, docs/queue.md, docs/cache.md). */
const CLIENT_CODES = new Set([
  'INVALID_ARGUMENT',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'LOCKED',
  'DEADLOCK',
  'STALE_RECEIPT',
  'FENCED',
  'PAYLOAD_TOO_LARGE',
]);

export interface Tally {
  runs: number;
  ms: number;
  /** Status (or "reset" for a connection the server closed on an oversize body) -> count. */
  readonly outcomes: Map<string, number>;
}

/** What is wrong with a 4xx body, or null when it is `{"error":{"code","message"}}` with a known code and a message. */
export function envelopeProblem(a: Pick<RawAnswer, 'json'>): string | null {
  const error = (a.json as { error?: unknown } | undefined)?.error;
  if (typeof error !== 'object' || error === null) return 'the body is not {"error": {...}}';
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !CLIENT_CODES.has(code))
    return `error.code ${JSON.stringify(code)} is not one of the public API's 4xx codes`;
  if (typeof message !== 'string' || message.trim() === '') return 'error.message is empty';
  return null;
}

interface Resolved extends RawRequest {
  readonly oversize: boolean;
}

/** Fills in the fixtures' names and writes the body. */
function resolve(gen: GeneratedRequest, names: Record<string, string>, url: UrlOf): Resolved {
  const fill = (s: string, encode: (v: string) => string) =>
    Object.entries(names).reduce((acc, [ph, v]) => acc.split(ph).join(encode(v)), s);
  const b = gen.body;
  const text = b.kind === 'none' ? undefined : fill(b.kind === 'json' ? toJsonText(b.tree) : b.text, (v) => v);
  return {
    method: gen.method,
    origin: url(gen.role, gen.node),
    path: fill(gen.path, encodeURIComponent),
    ...(b.kind === 'none' ? {} : { contentType: b.contentType, body: text }),
    oversize: b.kind === 'json' && approxBytes(b.tree) > BODY_LIMIT,
  };
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

function describe(gen: GeneratedRequest, req: Resolved, a?: RawAnswer): string {
  const lines = [`request: ${req.method} ${gen.role}/${gen.node} ${clip(req.path, 200)}`];
  if (req.contentType !== undefined) lines.push(`  content-type: ${JSON.stringify(req.contentType)}`);
  if (req.body !== undefined) lines.push(`  body: ${JSON.stringify(clip(req.body))}`);
  if (a) lines.push(`answer: ${a.status} ${clip(a.text)}`);
  return lines.join('\n');
}

export interface FuzzContext {
  readonly url: UrlOf;
  readonly domains: Readonly<Record<string, Domain>>;
  readonly seed: number;
  readonly numRuns: number;
  readonly tally: Tally;
}

/** Runs the property for one endpoint; fast-check prints the (shrunk) counterexample on failure. */
export async function fuzzEndpoint(
  spec: EndpointSpec,
  arb: fc.Arbitrary<GeneratedRequest>,
  ctx: FuzzContext,
): Promise<void> {
  const names = () => Object.assign({}, ...Object.values(ctx.domains).map((d) => d.names())) as Record<string, string>;
  const property = fc.asyncProperty(arb, async (gen) => {
    const domain = spec.role === 'any' ? NO_STATE : ctx.domains[gen.role]!;
    const req = resolve(gen, names(), ctx.url);
    const started = performance.now();
    let answer: RawAnswer;
    try {
      answer = await send(req);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      // Refusing an oversize body by closing the connection before reading it is a fine answer.
      if (req.oversize && (code === 'EPIPE' || code === 'ECONNRESET')) {
        count(ctx.tally, 'reset', started);
        return;
      }
      throw new Error(`no answer (${String(err)})\n${describe(gen, req)}`);
    }
    count(ctx.tally, String(answer.status), started);
    const where = describe(gen, req, answer);
    const sent = `${req.path}\n${req.body ?? ''}`;
    if (answer.status >= 500) throw new Error(`${answer.status} (a server error)\n${where}`);
    if (answer.status >= 400) {
      const problem = envelopeProblem(answer);
      if (problem) throw new Error(`${answer.status} without the error envelope: ${problem}\n${where}`);
    }
    // (A 400 for a bad path may come first, so the exact 413 is checked on valid paths in the test file.)
    if (req.oversize && req.method !== 'GET' && answer.status < 400)
      throw new Error(`a body over 1 MiB was accepted\n${where}`);
    if (answer.status >= 400 || spec.readOnly) {
      const changed = await domain.diff();
      if (changed !== null) {
        await domain.reset(sent); // so the next run (and shrinking) starts from the known state again
        throw new Error(`${answer.status} answer, yet the state changed: ${changed}\n${where}`);
      }
    } else {
      await domain.reset(sent); // a valid write may change the state: re-establish it
    }
  });
  await fc.assert(property, { seed: ctx.seed, numRuns: ctx.numRuns });
}

function count(t: Tally, outcome: string, started: number): void {
  t.runs++;
  t.ms += performance.now() - started;
  t.outcomes.set(outcome, (t.outcomes.get(outcome) ?? 0) + 1);
}

/** A stable seed per endpoint (FNV-1a of its name), so adding an endpoint does not reshuffle the others. */
export function seedFor(spec: EndpointSpec, base: number): number {
  let h = 0x811c9dc5 ^ base;
  for (const c of specName(spec)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** pid of every daemon, by role/node. */
export async function daemonPids(url: UrlOf): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const role of ROLES) {
    for (const node of NODES) {
      const a = await send({ method: 'GET', origin: url(role, node), path: '/health' }, 5000);
      if (a.status !== 200) throw new Error(`GET /health on ${role}/${node}: ${a.status} ${a.text.slice(0, 200)}`);
      pids.set(`${role}/${node}`, (a.json as { pid: number }).pid);
    }
  }
  return pids;
}

/** Every daemon answers /health 200 and is the same process as before (PM2 would restart a crashed one). */
export async function expectSameDaemons(url: UrlOf, before: ReadonlyMap<string, number>): Promise<void> {
  const now = await daemonPids(url);
  const restarted = [...before]
    .filter(([k, pid]) => now.get(k) !== pid)
    .map(([k, pid]) => `${k} (pid ${pid} -> ${now.get(k)})`);
  if (restarted.length > 0) throw new Error(`daemons restarted during the fuzzing: ${restarted.join(', ')}`);
}

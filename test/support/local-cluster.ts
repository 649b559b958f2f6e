import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CACHE_ROUTES } from '@dss/cache';
import {
  localClusterDescription,
  type ClusterDescription,
  type LocalRedisMode,
  type RedisNodeDescription,
} from '@dss/config';
import { AnswerChecker, NODE_ROUTES } from '@dss/http';
import { LOCK_ROUTES } from '@dss/lock';
import { QUEUE_ROUTES } from '@dss/queue';

// Starts a local cluster exactly the way `npm start` does (the built launcher,
// PM2, Redis, ecosystem.config.js), but in its own DSS_HOME and on ports that
// are free, so it can run beside a developer's cluster.
//
// Redis: one standalone server by default (DSS_REDIS_MODE=standalone), what
// most suites were written against; `{ redis: 'raft' }` runs what npm start
// runs, three servers under PM2 (dss-redis-node1..3 on 6379-6381 + offset)
// whose primary the lock leader chooses (docs/redis-failover.md).

const REPO_ROOT = resolve(__dirname, '..', '..');
const LAUNCHER = join(REPO_ROOT, 'dist', 'scripts', 'cluster.js');

/** One Redis server as GET /redis on a lock node reports it, probed when asked. */
export interface RedisServerState {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly reachable: boolean;
  readonly role: 'primary' | 'replica' | 'unknown';
  readonly linkUp: boolean | null;
  readonly offset: number | null;
}

/** GET /redis on a lock node (docs/redis-failover.md). */
export interface RedisTopology {
  readonly epoch: number;
  readonly primary: string;
  readonly replicas: string[];
  readonly replicasToAck: number;
  readonly leader: string | null;
  readonly nodes: RedisServerState[];
}

/** Is the topology whole: the primary a reachable primary, every replica reachable with its link up? */
export function topologyIsWhole(t: RedisTopology): boolean {
  const server = (id: string) => t.nodes.find((n) => n.id === id);
  return (
    server(t.primary)?.role === 'primary' &&
    t.replicas.every((id) => server(id)?.role === 'replica' && server(id)?.linkUp === true)
  );
}

export interface RunResult {
  readonly code: number;
  readonly output: string;
}

export function runLauncher(command: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [LAUNCHER, command], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, output }));
  });
}

export class TestCluster {
  readonly home = mkdtempSync(join(tmpdir(), 'dss-test-'));
  readonly cluster: ClusterDescription;

  readonly redisMode: LocalRedisMode;

  /** `extraEnv` goes to the launcher, e.g. DSS_CACHE_MAX_ENTRIES for the cluster description's cache block. */
  constructor(
    readonly offset: number,
    private readonly extraEnv: NodeJS.ProcessEnv = {},
    opts: { readonly redis?: LocalRedisMode; readonly console?: boolean } = {},
  ) {
    this.redisMode = opts.redis ?? 'standalone';
    this.withConsole = opts.console ?? false;
    this.cluster = localClusterDescription({ offset, redis: this.redisMode, console: this.withConsole });
  }

  /** Whether the launcher also runs the operator console on every node (most suites do not need it). */
  readonly withConsole: boolean;

  get env(): NodeJS.ProcessEnv {
    return {
      ...this.extraEnv,
      DSS_HOME: this.home,
      DSS_PORT_OFFSET: String(this.offset),
      DSS_REDIS_MODE: this.redisMode,
      DSS_CONSOLE: this.withConsole ? '1' : '0',
    };
  }

  /** The Redis servers of a `raft` cluster (node1 first, the primary of epoch 0); empty for a standalone one. */
  get redisNodes(): RedisNodeDescription[] {
    return this.cluster.redis?.mode === 'raft' ? this.cluster.redis.nodes : [];
  }

  /** GET /redis of the first lock node that answers it (docs/redis-failover.md): the topology, probed now. */
  async redisTopology(timeoutMs = 2000): Promise<RedisTopology> {
    let last: unknown;
    for (const n of this.cluster.nodes) {
      try {
        const res = await getJson<RedisTopology>(`${this.url('lock', n.id)}/redis`, timeoutMs);
        if (res.status === 200) return res.body;
        last = new Error(`${this.url('lock', n.id)}/redis answered ${res.status}: ${JSON.stringify(res.body)}`);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  url(role: string, node: string): string {
    const n = this.cluster.nodes.find((x) => x.id === node)!;
    return `http://${n.host}:${n.ports[role]!.http}`;
  }

  start(): Promise<RunResult> {
    return runLauncher('start', this.env);
  }

  /** Start with more environment for the launcher, e.g. DSS_API_TOKENS_FILE. */
  startWith(env: NodeJS.ProcessEnv): Promise<RunResult> {
    return runLauncher('start', { ...this.env, ...env });
  }

  stop(): Promise<RunResult> {
    return runLauncher('stop', this.env);
  }

  async dispose(): Promise<void> {
    await this.stop();
    // DSS_KEEP_TEST_HOME=1 keeps the daemons' logs and data for a post-mortem.
    if (process.env.DSS_KEEP_TEST_HOME === '1') {
      process.stderr.write(`kept the cluster's home: ${this.home}\n`);
      return;
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * An offset in 10000-19900 derived from the pid, so parallel runs rarely
 * collide; start() refuses busy ports anyway. Suites add up to +170, so every
 * port (6379 + offset up to 9193 + offset) stays in 16379-29093: below Linux's
 * ephemeral range (32768-60999), where any outgoing connection of the test
 * itself could be holding the port a daemon is about to bind.
 */
export function testPortOffset(): number {
  return 10_000 + (process.pid % 100) * 100;
}

// Every JSON answer the helpers below receive is checked against the API
// contract (the zod answer schemas the OpenAPI document is generated from:
// docs/api.md); what does not match is collected here, and the lock, queue and
// cache suites end by asserting there was nothing.
const contract = new AnswerChecker([...NODE_ROUTES, ...LOCK_ROUTES, ...QUEUE_ROUTES, ...CACHE_ROUTES]);
const mismatches: string[] = [];
let checked = 0;

function checkAnswer(method: string, url: string, status: number, body: unknown): void {
  checked++;
  const problem = contract.check(method, new URL(url).pathname, status, body);
  if (problem !== null) mismatches.push(problem);
}

/** The answers of this test file that did not match the contract (and how many were checked). */
export function contractMismatches(): { checked: number; mismatches: readonly string[] } {
  return { checked, mismatches: [...mismatches] };
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  timeoutMs = 2000,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as T;
  checkAnswer('GET', url, res.status, body);
  return { status: res.status, body };
}

/** Polls `check` every `everyMs` until it returns true; resolves to the elapsed ms, or rejects after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface HttpAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly leader: string | null;
}

/** Any method with an optional JSON body (a string is sent as is); never throws on HTTP errors. */
export async function requestJson<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await res.json()) as T;
  checkAnswer(method, url, res.status, answer);
  return { status: res.status, body: answer };
}

/** POST JSON; never throws on HTTP errors (network errors do throw). */
export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await res.json()) as T;
  checkAnswer('POST', url, res.status, answer);
  return { status: res.status, body: answer, leader: res.headers.get('x-dss-leader') };
}

/** Runs the project's PM2 against a test cluster (pm2 stop / start / list). */
export function pm2(cluster: TestCluster, ...args: string[]): string {
  const bin = join(REPO_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
  return execFileSync(process.execPath, [bin, ...args], {
    env: { ...process.env, PM2_HOME: join(cluster.home, 'pm2') },
    encoding: 'utf8',
  });
}

/**
 * A counter or gauge from a daemon's /metrics: the first sample of `name` whose labels include
 * every `key="value"` of `labels` (comma-separated); 0 when there is none yet.
 */
export async function metricValue(baseUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((kv) => l.includes(kv)));
  return line ? Number(line.split(' ').pop()) : 0;
}

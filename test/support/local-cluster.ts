import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localClusterDescription, type ClusterDescription } from '@dss/config';

// Starts a local cluster exactly the way `npm start` does (the built launcher,
// PM2, Redis, ecosystem.config.js), but in its own DSS_HOME and on ports that
// are free, so it can run beside a developer's cluster.

const REPO_ROOT = resolve(__dirname, '..', '..');
const LAUNCHER = join(REPO_ROOT, 'dist', 'scripts', 'cluster.js');

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

  /** `extraEnv` goes to the launcher, e.g. DSS_CACHE_MAX_ENTRIES for the cluster description's cache block. */
  constructor(
    readonly offset: number,
    private readonly extraEnv: NodeJS.ProcessEnv = {},
  ) {
    this.cluster = localClusterDescription({ offset });
  }

  get env(): NodeJS.ProcessEnv {
    return { ...this.extraEnv, DSS_HOME: this.home, DSS_PORT_OFFSET: String(this.offset) };
  }

  url(role: string, node: string): string {
    const n = this.cluster.nodes.find((x) => x.id === node)!;
    return `http://${n.host}:${n.ports[role]!.http}`;
  }

  start(): Promise<RunResult> {
    return runLauncher('start', this.env);
  }

  stop(): Promise<RunResult> {
    return runLauncher('stop', this.env);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * An offset in 10000-19900 derived from the pid, so parallel runs rarely
 * collide; start() refuses busy ports anyway. Suites add up to +99, so every
 * port (6379 + offset up to 9123 + offset) stays in 16379-29122: below Linux's
 * ephemeral range (32768-60999), where any outgoing connection of the test
 * itself could be holding the port a daemon is about to bind.
 */
export function testPortOffset(): number {
  return 10_000 + (process.pid % 100) * 100;
}

export async function getJson<T = Record<string, unknown>>(url: string, timeoutMs = 2000): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: (await res.json()) as T };
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
export async function requestJson<T = Record<string, unknown>>(method: string, url: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** POST JSON; never throws on HTTP errors (network errors do throw). */
export async function postJson<T = Record<string, unknown>>(url: string, body: unknown, timeoutMs = 10_000): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as T, leader: res.headers.get('x-dss-leader') };
}

/** Runs the project's PM2 against a test cluster (pm2 stop / start / list). */
export function pm2(cluster: TestCluster, ...args: string[]): string {
  const bin = join(REPO_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
  return execFileSync(process.execPath, [bin, ...args], { env: { ...process.env, PM2_HOME: join(cluster.home, 'pm2') }, encoding: 'utf8' });
}

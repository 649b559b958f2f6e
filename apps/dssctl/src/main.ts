import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createDssClient } from './client-factory.js';
import type { CliDeps } from './context.js';
import { EXIT } from './exit-codes.js';
import { runCli } from './program.js';

// Entry point of dssctl (bin/dssctl.js runs the built copy of this file):
// wires the real process in (argv, stdio, env, files, the DSS client), runs
// one command and exits with its code.

/** The version in the repository's package.json (this file is dist/apps/dssctl/src/main.js once built). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dss') return pkg.version ?? '0.0.0';
    }
  }
  return '0.0.0';
}

function defaultOwner(): string {
  let user = process.env.USER ?? 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): keep $USER
  }
  return `${user}@${hostname()}`;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/** Resolves once everything written so far has been handed to the OS. */
const drain = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

const interrupt = new AbortController();
// Every request in flight listens on it (status sends 18 at once).
setMaxListeners(0, interrupt.signal);
process.on('SIGINT', () => {
  // First Ctrl-C: stop gracefully (bench prints what it measured); second: now.
  if (interrupt.signal.aborted) process.exit(EXIT.INTERRUPTED);
  interrupt.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
});
// `dssctl ... | head`: a closed pipe is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(EXIT.OK);
  throw err;
});

const deps: CliDeps = {
  io: {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readStdin,
    stdinIsTTY: process.stdin.isTTY === true,
    ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
  },
  env: process.env,
  files: { read: (p) => readFileSync(p, 'utf8'), exists: (p) => existsSync(p) },
  homedir: homedir(),
  createClient: createDssClient,
  version: packageVersion(),
  defaultOwner: defaultOwner(),
  signal: interrupt.signal,
};

const code = await runCli(process.argv.slice(2), deps);
await Promise.all([drain(process.stdout), drain(process.stderr)]);
// Exit now: the client's keep-alive sockets would hold the process open a few seconds.
process.exit(code);

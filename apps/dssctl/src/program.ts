import { Command, CommanderError, Option } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerCache } from './commands/cache.js';
import { registerEndpoints } from './commands/endpoints.js';
import { registerLock } from './commands/lock.js';
import { registerQueue } from './commands/queue.js';
import { registerStatus } from './commands/status.js';
import type { CliClient } from './client-port.js';
import type { ActionFactory, CliDeps, CommandContext, CommandResult } from './context.js';
import { resolveConnection, type ConnectionFlags, type ResolvedConnection } from './endpoints-config.js';
import { describeFailure, failureHint, UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { renderJson } from './output.js';
import { parseDuration } from './parse.js';

// The command tree (commander), and running it: parse, run one command, print
// its result as text or as one JSON document, return the exit code. All I/O,
// the environment and the client come in through CliDeps.

const ROOT_HELP = `
Endpoints (first that names a role wins, per role):
  --lock/--queue/--cache <urls>, --cluster <file>   flags
  DSSCTL_LOCK/QUEUE/CACHE, DSSCTL_CLUSTER           environment
  --config <file> | DSSCTL_CONFIG | ~/.config/dssctl/config.json
  the local cluster of npm start (127.0.0.1:8001..., DSS_PORT_OFFSET)

Exit codes: 0 ok, 1 unexpected, 2 usage/invalid argument, 3 not found,
  4 conflict (locked, deadlock, stale receipt), 5 unavailable,
  6 outcome unknown (timeout), 7 unauthorized, 130 interrupted.

Examples:
  dssctl status
  dssctl --cluster /var/lib/dss/cluster.json lock acquire orders --ttl 60s
  dssctl queue publish orders '{"order":42}'
  dssctl queue consume orders --wait 5s --ack
  dssctl cache put greeting '"hello"' && dssctl cache coherence greeting
  dssctl bench lock --duration 10 --concurrency 16

Docs: docs/dssctl.md
`;

/** Does argv ask for JSON output? (Known before commander parses, so even usage errors come out as JSON.) */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function connectionFlags(globals: Record<string, unknown>): ConnectionFlags {
  const str = (k: string) => (typeof globals[k] === 'string' ? (globals[k] as string) : undefined);
  return {
    lock: str('lock'),
    queue: str('queue'),
    cache: str('cache'),
    cluster: str('cluster'),
    config: str('config'),
    token: str('token'),
    timeout: typeof globals.timeout === 'number' ? globals.timeout : undefined,
  };
}

interface RunState {
  result?: CommandResult;
}

export function buildProgram(deps: CliDeps, state: RunState = {}): Command {
  const signal = deps.signal ?? new AbortController().signal;
  const program = new Command('dssctl')
    .description('Command line of DSS: Raft locks, the queue and the MESI cache of a DSS cluster.')
    .version(deps.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .addHelpCommand(false)
    .option('--lock <urls>', 'lock daemons, comma-separated http://host:port (env DSSCTL_LOCK)')
    .option('--queue <urls>', 'queue daemons (env DSSCTL_QUEUE)')
    .option('--cache <urls>', 'cache daemons (env DSSCTL_CACHE)')
    .option('--cluster <file>', 'a cluster description (cluster.json) for every role (env DSSCTL_CLUSTER)')
    .option('--config <file>', 'dssctl config file (env DSSCTL_CONFIG; default ~/.config/dssctl/config.json)')
    .option('--timeout <ms>', 'per-request timeout, e.g. 2000 or 2s (env DSSCTL_TIMEOUT)', (v: string) => {
      const ms = parseDuration(v, '--timeout');
      if (ms < 1) throw new UsageError('--timeout: must be at least 1 ms');
      return ms;
    })
    .option('--token <token>', 'API token, sent as a Bearer token (env DSSCTL_TOKEN)')
    .option('--json', 'print exactly one JSON document on stdout (errors too)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (s) => deps.io.stdout(s),
      writeErr: (s) => deps.io.stderr(s),
      // Commander's own error line is replaced by ours (runCli).
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', ROOT_HELP);

  const action: ActionFactory =
    (handler) =>
    async (...raw: unknown[]) => {
      const cmd = raw[raw.length - 1] as Command;
      const globals = cmd.optsWithGlobals();
      let connection: ResolvedConnection | undefined;
      let client: CliClient | undefined;
      const ctx: CommandContext = {
        args: cmd.processedArgs,
        opts: cmd.opts(),
        json: globals.json === true,
        deps,
        signal,
        connection: () =>
          (connection ??= resolveConnection(connectionFlags(globals), deps.env, deps.files, deps.homedir)),
        client: () => (client ??= deps.createClient(ctx.connection())),
      };
      state.result = await handler(ctx);
    };

  registerStatus(program, action);
  registerLock(program, action, deps);
  registerQueue(program, action);
  registerCache(program, action);
  registerBench(program, action);
  registerEndpoints(program, action);
  return program;
}

/** The subcommand path named in argv (skipping option values), for the hint after a usage error. */
function commandPath(program: Command, argv: readonly string[]): string {
  const path = ['dssctl'];
  let cmd: Command = program;
  const takesValue = (c: Command, flag: string) => {
    const all = [...c.options, ...(c.parent ? c.parent.options : []), ...program.options];
    const opt = all.find((o: Option) => o.long === flag || o.short === flag);
    return opt !== undefined && (opt.required || opt.optional);
  };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--') break;
    if (t.startsWith('-')) {
      if (!t.includes('=') && takesValue(cmd, t)) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === t || c.aliases().includes(t));
    if (!sub) break;
    path.push(sub.name());
    cmd = sub;
  }
  return path.join(' ');
}

function report(err: unknown, json: boolean, deps: CliDeps): ExitCode {
  const f = describeFailure(err);
  deps.io.stderr(`dssctl: ${f.code}: ${f.message}${failureHint(f.details)}\n`);
  if (json)
    deps.io.stdout(renderJson({ error: { code: f.code, message: f.message, exitCode: f.exitCode, ...f.details } }));
  return f.exitCode;
}

/** Runs one dssctl command line; resolves to the exit code (never rejects). */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const json = wantsJson(argv);
  const state: RunState = {};
  const program = buildProgram(deps, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      // `dssctl` or `dssctl lock` alone: commander printed that command's help on stderr.
      if (err.code === 'commander.help') return EXIT.USAGE;
      const message = err.message.replace(/^error: /, '');
      return report(new UsageError(`${message} (see ${commandPath(program, argv)} --help)`), json, deps);
    }
    return report(err, json, deps);
  }
  const result = state.result;
  if (!result) return EXIT.OK;
  if (json) deps.io.stdout(renderJson(result.json));
  else deps.io.stdout(result.text);
  if (result.problem) deps.io.stderr(`dssctl: ${result.problem.code}: ${result.problem.message}\n`);
  return result.exitCode ?? EXIT.OK;
}

import type { Command } from 'commander';
import type { CliClient, ClientFactory } from './client-port.js';
import type { Env, FileAccess, ResolvedConnection } from './endpoints-config.js';
import type { ExitCode } from './exit-codes.js';

/** Everything dssctl touches outside itself; main.ts passes the real ones, tests fakes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of standard input (only read by commands that take input there). */
  readonly readStdin: () => Promise<string>;
  readonly stdinIsTTY: boolean;
  /** stderr as a TTY stream, for the bench progress bar; absent when stderr is not a terminal. */
  readonly progressStream?: NodeJS.WritableStream;
}

export interface CliDeps {
  readonly io: CliIo;
  readonly env: Env;
  readonly files: FileAccess;
  readonly homedir: string;
  readonly createClient: ClientFactory;
  readonly version: string;
  /** Default --owner of lock commands: user@host, the same on every run from one account. */
  readonly defaultOwner: string;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
}

/** What a command hands back: the --json document, the text for people, and how to exit. */
export interface CommandResult {
  readonly json: unknown;
  readonly text: string;
  readonly exitCode?: ExitCode;
  /** A failure to report on stderr (`dssctl: CODE: message`) beside the normal output, e.g. an unhealthy daemon. */
  readonly problem?: { readonly code: string; readonly message: string };
}

/** Handed to each command's handler. */
export interface CommandContext {
  /** Positional arguments as commander parsed them (variadic ones are arrays). */
  readonly args: readonly unknown[];
  /** This command's own options. */
  readonly opts: Readonly<Record<string, unknown>>;
  readonly json: boolean;
  readonly deps: CliDeps;
  readonly signal: AbortSignal;
  /** Endpoints, timeout and token from flags, env, config file or the local default. */
  connection(): ResolvedConnection;
  /** The client, built on first use. */
  client(): CliClient;
}

export type CommandHandler = (ctx: CommandContext) => Promise<CommandResult>;

/** Registers a handler as a commander action. */
export type ActionFactory = (handler: CommandHandler) => (...args: unknown[]) => Promise<void>;

export type CommandRegistrar = (program: Command, action: ActionFactory, deps: CliDeps) => void;

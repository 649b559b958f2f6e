import { word } from './arguments.js';
import { connectionCommand, type Command, type CommandContext } from './command-types.js';
import { CONNECTION_COMMANDS } from './connection-commands.js';
import { KEY_COMMANDS } from './key-commands.js';
import { errorLine, RespError } from './resp-errors.js';

// Every command the front door knows, and the one place that checks a command before it
// runs: known, right number of arguments, authenticated, allowed for the token.

function describe(ctx: CommandContext, c: Command): void {
  ctx.w.arrayHeader(6);
  ctx.w.bulk(c.name);
  ctx.w.integer(c.arity);
  ctx.w.setHeader(c.flags.length);
  for (const f of c.flags) ctx.w.simple(f);
  ctx.w.integer(c.firstKey);
  ctx.w.integer(c.lastKey);
  ctx.w.integer(c.step);
}

const command = connectionCommand('command', -1, (ctx, args) => {
  const sub = args[0] && word(args[0]);
  if (sub === undefined) {
    ctx.w.arrayHeader(COMMANDS.size);
    for (const c of COMMANDS.values()) describe(ctx, c);
  } else if (sub === 'COUNT') ctx.w.integer(COMMANDS.size);
  else if (sub === 'INFO') {
    const names = args.slice(1);
    ctx.w.arrayHeader(names.length);
    for (const n of names) {
      const c = COMMANDS.get(n.toString('latin1').toLowerCase());
      if (c) describe(ctx, c);
      else ctx.w.nullArray();
    }
  }
  // redis-cli asks for the docs to show hints; it works without them.
  else if (sub === 'DOCS') ctx.w.mapHeader(0);
  else throw new RespError('ERR', `unknown subcommand '${args[0]!.toString()}'. Try COMMAND HELP.`);
});

export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [...CONNECTION_COMMANDS, ...KEY_COMMANDS, command].map((c) => [c.name, c]),
);

/** Redis's reply to a command it does not know; the connection stays usable. */
function unknown(name: Buffer, args: readonly Buffer[]): string {
  const shown = args
    .slice(0, 10)
    .map((a) => `'${a.toString().slice(0, 128)}' `)
    .join('');
  return `ERR unknown command '${name.toString().slice(0, 128)}', with args beginning with: ${shown}`;
}

/** Runs one command; its reply (or error) is written to ctx.w, in this tick when it can be. */
export function execute(ctx: CommandContext, argv: Buffer[]): void | Promise<void> {
  const [nameArg, ...args] = argv;
  const name = nameArg!.toString('latin1').toLowerCase();
  const c = COMMANDS.get(name);
  if (!c) return ctx.w.error(unknown(nameArg!, args));
  if (c.arity > 0 ? argv.length !== c.arity : argv.length < -c.arity)
    return ctx.w.error(`ERR wrong number of arguments for '${name}' command`);
  const access = ctx.session.access;
  if (access === undefined && !c.flags.includes('noauth')) return ctx.w.error('NOAUTH Authentication required.');
  if (access === 'readOnly' && c.flags.includes('write'))
    return ctx.w.error(`NOPERM this token is read-only; '${name}' needs a read-write token`);
  try {
    const pending = c.run(ctx, args);
    if (pending) return pending.catch((err: unknown) => ctx.w.error(errorLine(err, name)));
  } catch (err) {
    ctx.w.error(errorLine(err, name));
  }
}

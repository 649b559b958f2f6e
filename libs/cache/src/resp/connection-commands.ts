import { word } from './arguments.js';
import { connectionCommand, type Command, type CommandContext } from './command-types.js';
import { RespError, syntaxError } from './resp-errors.js';

// Connection and server commands: enough for ioredis, redis-cli and redis-benchmark to
// connect, authenticate, name themselves and check the server (docs/cache.md).

/** The Redis version whose commands and replies the front door follows. */
export const REDIS_COMPAT_VERSION = '7.0.0';

/** AUTH's check: the token as the password (the user, if given, must be `default`). */
function authenticate(ctx: CommandContext, user: string, password: string): void {
  const tokens = ctx.node.tokens;
  if (!tokens)
    throw new RespError(
      'ERR',
      'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  const access = user === 'default' ? tokens.access(password) : undefined;
  if (!access) throw new RespError('WRONGPASS', 'invalid username-password pair or user is disabled.');
  ctx.session.access = access;
}

const ping = connectionCommand('ping', -1, (ctx, args) => {
  if (args.length > 1) throw new RespError('ERR', "wrong number of arguments for 'ping' command");
  if (args[0]) ctx.w.bulk(args[0]);
  else ctx.w.simple('PONG');
});

const echo = connectionCommand('echo', 2, (ctx, [msg]) => ctx.w.bulk(msg!));

const auth = connectionCommand(
  'auth',
  -2,
  (ctx, args) => {
    if (args.length > 2) throw syntaxError();
    const [user, password] =
      args.length === 2 ? [args[0]!.toString(), args[1]!.toString()] : ['default', args[0]!.toString()];
    authenticate(ctx, user, password);
    ctx.w.simple('OK');
  },
  true,
);

function helloReply(ctx: CommandContext): void {
  const { w, session } = ctx;
  w.mapHeader(7);
  w.bulk('server');
  w.bulk('dss');
  w.bulk('version');
  w.bulk(REDIS_COMPAT_VERSION);
  w.bulk('proto');
  w.integer(session.protocol);
  w.bulk('id');
  w.integer(session.id);
  w.bulk('mode');
  w.bulk('standalone');
  w.bulk('role');
  w.bulk('master');
  w.bulk('modules');
  w.arrayHeader(0);
}

const hello = connectionCommand(
  'hello',
  -1,
  (ctx, args) => {
    let protocol = ctx.session.protocol;
    let i = 0;
    if (args.length > 0) {
      const v = args[0]!.toString('latin1');
      if (v !== '2' && v !== '3') {
        if (!/^-?\d+$/.test(v)) throw new RespError('ERR', 'Protocol version is not an integer or out of range');
        throw new RespError('NOPROTO', 'unsupported protocol version');
      }
      protocol = v === '3' ? 3 : 2;
      i = 1;
    }
    let name: string | undefined;
    let credentials: [string, string] | undefined;
    for (; i < args.length; i++) {
      const opt = word(args[i]!);
      if (opt === 'AUTH' && i + 2 < args.length) credentials = [args[++i]!.toString(), args[++i]!.toString()];
      else if (opt === 'SETNAME' && i + 1 < args.length) name = args[++i]!.toString();
      else throw new RespError('ERR', `Syntax error in HELLO option '${args[i]!.toString()}'`);
    }
    if (credentials) authenticate(ctx, ...credentials);
    if (ctx.session.access === undefined)
      throw new RespError(
        'NOAUTH',
        'HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
    if (name !== undefined) ctx.session.name = name;
    ctx.session.protocol = protocol;
    ctx.w.protocol = protocol;
    helloReply(ctx);
  },
  true,
);

const select = connectionCommand('select', 2, (ctx, [db]) => {
  const n = db!.toString('latin1');
  if (!/^-?\d+$/.test(n)) throw new RespError('ERR', 'value is not an integer or out of range');
  // One keyspace, shared with the HTTP API.
  if (n !== '0') throw new RespError('ERR', 'DB index is out of range');
  ctx.w.simple('OK');
});

const quit = connectionCommand(
  'quit',
  -1,
  (ctx) => {
    ctx.session.closing = true;
    ctx.w.simple('OK');
  },
  true,
);

const reset = connectionCommand(
  'reset',
  1,
  (ctx) => {
    const s = ctx.session;
    s.protocol = 2;
    ctx.w.protocol = 2;
    s.name = undefined;
    if (ctx.node.tokens) s.access = undefined;
    ctx.w.simple('RESET');
  },
  true,
);

function clientInfo(ctx: CommandContext): string {
  const s = ctx.session;
  return `id=${s.id} name=${s.name ?? ''} db=0 resp=${s.protocol} lib-name=${s.libName ?? ''} lib-ver=${s.libVersion ?? ''}`;
}

const client = connectionCommand('client', -2, (ctx, [sub, ...rest]) => {
  const s = ctx.session;
  const name = word(sub!);
  const want = (n: number) => {
    if (rest.length !== n)
      throw new RespError('ERR', `wrong number of arguments for 'client|${name.toLowerCase()}' command`);
  };
  switch (name) {
    case 'SETNAME': {
      want(1);
      const n = rest[0]!.toString();
      if (/[\s]/.test(n))
        throw new RespError('ERR', 'Client names cannot contain spaces, newlines or special characters.');
      s.name = n === '' ? undefined : n;
      return ctx.w.simple('OK');
    }
    case 'GETNAME':
      want(0);
      return s.name === undefined ? ctx.w.nil() : ctx.w.bulk(s.name);
    case 'ID':
      want(0);
      return ctx.w.integer(s.id);
    case 'SETINFO': {
      want(2);
      const attr = word(rest[0]!);
      if (attr === 'LIB-NAME') s.libName = rest[1]!.toString();
      else if (attr === 'LIB-VER') s.libVersion = rest[1]!.toString();
      else throw new RespError('ERR', `Unrecognized option '${rest[0]!.toString()}'`);
      return ctx.w.simple('OK');
    }
    case 'INFO':
      want(0);
      return ctx.w.verbatim(`${clientInfo(ctx)}\n`);
    default:
      throw new RespError('ERR', `unknown subcommand '${sub!.toString()}'. Try CLIENT HELP.`);
  }
});

function infoText(ctx: CommandContext, section: string | undefined): string {
  const sections: Record<string, string[]> = {
    server: [
      `redis_version:${REDIS_COMPAT_VERSION}`,
      'redis_mode:standalone',
      'dss_role:cache',
      `dss_node:${ctx.node.nodeId}`,
      `tcp_port:${ctx.node.port}`,
      `uptime_in_seconds:${Math.floor((Date.now() - ctx.node.startedAt) / 1000)}`,
    ],
    clients: [`connected_clients:${ctx.node.connections()}`],
    persistence: ['loading:0'],
    replication: ['role:master', 'connected_slaves:0'],
  };
  const wanted =
    section === undefined || section === 'all' || section === 'default' || section === 'everything'
      ? Object.keys(sections)
      : [section];
  return wanted
    .filter((s) => sections[s])
    .map((s) => `# ${s[0]!.toUpperCase()}${s.slice(1)}\r\n${sections[s]!.join('\r\n')}\r\n`)
    .join('\r\n');
}

const info = connectionCommand('info', -1, (ctx, args) =>
  ctx.w.verbatim(infoText(ctx, args[0]?.toString('latin1').toLowerCase())),
);

export const CONNECTION_COMMANDS: readonly Command[] = [ping, echo, auth, hello, select, quit, reset, client, info];

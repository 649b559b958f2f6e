// The floor under any Node.js Redis-protocol server on this machine: a server
// that parses with the cache's own codec (libs/resp) and answers GET and SET
// from a Map, nothing else (no coherence, no expiry, no metrics). Run it where
// the cache's nodes would be and point `npm run bench:cache` at it: what it
// reaches is what the per-connection socket work of Node (a read and a write
// through libuv per command) leaves room for, so DSS's cache can be read as a
// share of it, and the floor itself beside Redis (docs/benchmarks.md).
//   npm run -s build && node dist/scripts/bench/resp-floor.js [--ports 7991,7992,7993]
//   npm run bench:cache -- --ports 7991,7992,7993   (in another shell; DSS's row is the floor's)
// One process per port, like the cache's three daemons; Ctrl-C stops them all.
import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ReplyWriter, RespParser } from '../../libs/resp/src/index.js';

const DEFAULT_PORTS = [7991, 7992, 7993];

function serve(port: number): void {
  const values = new Map<string, Buffer>();
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    const parser = new RespParser();
    const w = new ReplyWriter();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const argv of parser.push(chunk)) answer(argv, w, values);
      const out = w.take();
      if (out) socket.write(out);
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write(`resp-floor listening on 127.0.0.1:${port}\n`));
}

function answer(argv: Buffer[], w: ReplyWriter, values: Map<string, Buffer>): void {
  const name = argv[0]?.toString('latin1').toUpperCase();
  const key = argv[1]?.toString('latin1') ?? '';
  switch (name) {
    case 'GET': {
      const v = values.get(key);
      return v === undefined ? w.nil() : w.bulk(v);
    }
    case 'SET':
      values.set(key, argv[2] ?? Buffer.alloc(0));
      return w.simple('OK');
    case 'DEL': {
      let n = 0;
      for (const k of argv.slice(1)) if (values.delete(k.toString('latin1'))) n++;
      return w.integer(n);
    }
    case 'PING':
      return w.simple('PONG');
    case 'INFO':
      return w.bulk('# Server\r\nredis_version:7.0.0\r\n# Persistence\r\nloading:0\r\n');
    case 'CLIENT':
    case 'SELECT':
      return w.simple('OK');
    default:
      // HELLO included: clients then stay on RESP2, as with a Redis older than 6.
      return w.error(`ERR unknown command '${name ?? ''}'`);
  }
}

const flag = process.argv.indexOf('--ports');
const ports = flag >= 0 ? (process.argv[flag + 1] ?? '').split(',').map(Number) : DEFAULT_PORTS;
const own = process.argv.indexOf('--port');
if (own >= 0) serve(Number(process.argv[own + 1]));
else for (const port of ports) fork(fileURLToPath(import.meta.url), ['--port', String(port)]);

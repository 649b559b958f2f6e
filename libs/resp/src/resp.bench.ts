// RESP codec micro-benchmark (a program, not a test): parse requests and encode replies for
// GET and SET of 100-byte values, in 16-command pipelines and one command per chunk, as a
// cache daemon would per socket read. No sockets: this measures the codec alone. Either build
// with the project's tsc and run node dist/libs/resp/src/resp.bench.js, or compile just this:
//   npx tsc --outDir /tmp/respbench --rootDir libs/resp/src --module nodenext --target es2023 \
//     --types node --skipLibCheck libs/resp/src/resp.bench.ts
//   echo '{"type":"module"}' > /tmp/respbench/package.json && node /tmp/respbench/resp.bench.js [seconds per case=2]
import { ReplyWriter } from './reply-writer.js';
import { DEFAULT_RESP_LIMITS, RespParser } from './resp-parser.js';

const VALUE = Buffer.alloc(100, 'v');
const KEY = 'key:000042';

function encode(args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Pushes the chunks for about `seconds`, answering each command as the daemon would; returns ns per command. */
function nsPerCommand(parser: RespParser, writer: ReplyWriter, chunks: readonly Buffer[], seconds: number): number {
  let commands = 0;
  const t0 = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 200; i++) {
      for (const chunk of chunks) {
        for (const command of parser.push(chunk)) {
          // Branch on the first byte as a dispatcher would: (G)ET or (S)ET.
          if (command[0][0] === 71) writer.bulk(VALUE);
          else writer.simple('OK');
          commands++;
        }
        // One socket write per read.
        writer.take();
      }
    }
    elapsed = process.hrtime.bigint() - t0;
  }
  return Number(elapsed) / commands;
}

/** Rounds of 200 ms; the median and the best, as the machine may be shared. */
function measure(label: string, chunks: readonly Buffer[], commandsPerRound: number, seconds: number): void {
  const parser = new RespParser(DEFAULT_RESP_LIMITS);
  const writer = new ReplyWriter();
  const rounds = Math.max(1, Math.round(seconds / 0.2));
  const ns = Array.from({ length: rounds }, () => nsPerCommand(parser, writer, chunks, 0.2)).sort((a, b) => a - b);
  const median = ns[Math.floor(rounds / 2)];
  const perCommandIn = chunks.reduce((n, c) => n + c.length, 0) / commandsPerRound;
  console.log(
    `${label.padEnd(18)} median ${(1e3 / median).toFixed(2).padStart(5)} M cmds/s (${median.toFixed(0).padStart(4)} ns/cmd, ` +
      `${((perCommandIn * 1e3) / median).toFixed(0).padStart(4)} MB/s in)  best ${(1e3 / ns[0]).toFixed(2).padStart(5)} M cmds/s`,
  );
}

const seconds = Number(process.argv[2] ?? 2);
const get = encode(['GET', KEY]);
const set = encode(['SET', KEY, VALUE]);
const get16 = Buffer.concat(Array<Buffer>(16).fill(get));
const set16 = Buffer.concat(Array<Buffer>(16).fill(set));
// The pipelines again, cut mid-command, so one command per round straddles two pushes.
const halves = (b: Buffer): Buffer[] => [b.subarray(0, b.length >> 1), b.subarray(b.length >> 1)];
const cases: Array<[string, Buffer[], number]> = [
  ['GET single', [get], 1],
  ['SET single', [set], 1],
  ['GET pipeline x16', [get16], 16],
  ['SET pipeline x16', [set16], 16],
  ['GET x16 in 2 reads', halves(get16), 16],
  ['SET x16 in 2 reads', halves(set16), 16],
];
// Warm the JIT up on every shape before measuring.
for (const [, chunks] of cases) nsPerCommand(new RespParser(DEFAULT_RESP_LIMITS), new ReplyWriter(), chunks, 0.2);
console.log(`node ${process.version}, ${seconds}s per case in 200 ms rounds, one take() per push`);
for (const [label, chunks, commands] of cases) measure(label, chunks, commands, seconds);

// Properties of RespParser over random input split at random boundaries: valid commands come
// back exactly, garbage only ever raises RespProtocolError, the outcome does not depend on how
// the bytes were split, and valid commands before garbage are never lost.
import fc from 'fast-check';
import { DEFAULT_RESP_LIMITS, RespParser, RespProtocolError, type RespLimits } from './resp-parser.js';

function encode(commands: readonly Uint8Array[][]): Buffer {
  const parts: Buffer[] = [];
  for (const command of commands) {
    parts.push(Buffer.from(`*${command.length}\r\n`));
    for (const arg of command) parts.push(Buffer.from(`$${arg.length}\r\n`), Buffer.from(arg), Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Cuts input at the given offsets (taken modulo its length), keeping empty chunks too. */
function split(input: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => (input.length === 0 ? 0 : c % (input.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of at) {
    chunks.push(input.subarray(from, to));
    from = to;
  }
  chunks.push(input.subarray(from));
  return chunks;
}

interface Outcome {
  commands: string[][];
  error: string | null;
  pending: number;
}

/** Pushes every chunk; commands returned and carried by the error, in order, as hex. */
function run(chunks: readonly Buffer[], limits: RespLimits): Outcome {
  const parser = new RespParser(limits);
  const commands: Buffer[][] = [];
  for (const chunk of chunks) {
    try {
      commands.push(...parser.push(chunk));
    } catch (e) {
      if (!(e instanceof RespProtocolError)) throw e;
      commands.push(...e.parsed);
      return { commands: hex(commands), error: e.message, pending: -1 };
    }
  }
  return { commands: hex(commands), error: null, pending: parser.pendingBytes };
}

const hex = (commands: Buffer[][]): string[][] => commands.map((c) => c.map((a) => Buffer.from(a).toString('hex')));

const argArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }) },
);
const commandsArb = fc.array(fc.array(argArb, { minLength: 1, maxLength: 6 }), { maxLength: 12 });
const cutsArb = fc.array(fc.nat(), { maxLength: 20 });

// Garbage biased towards protocol tokens so it reaches deep into the parser, with small limits.
const token = fc.oneof(
  fc.constantFrom(
    '*',
    '$',
    '\r\n',
    '\r',
    '\n',
    '"',
    "'",
    '\\',
    '\\x',
    '-',
    '0',
    '1',
    '2',
    '3',
    '12',
    'x',
    ' ',
    '\t',
    '\0',
    '*1\r\n',
    '$1\r\n',
    '$0\r\n',
  ),
  fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b).toString('latin1')),
);
// Valid commands with a few bytes overwritten, inserted or deleted.
const mutatedArb = fc
  .tuple(
    fc.array(fc.array(fc.uint8Array({ maxLength: 20 }), { minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.array(
      fc.tuple(
        fc.constantFrom('set', 'insert', 'delete'),
        fc.nat(),
        fc.constantFrom(13, 10, 42, 36, 45, 48, 49, 57, 120, 0, 255),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([commands, edits]) => {
    const bytes = [...encode(commands)];
    for (const [kind, at, byte] of edits) {
      const i = at % (bytes.length + 1);
      if (kind === 'insert') bytes.splice(i, 0, byte);
      else if (i < bytes.length) bytes.splice(i, 1, ...(kind === 'set' ? [byte] : []));
    }
    return Buffer.from(bytes);
  });
const garbageArb = fc.oneof(
  fc.array(token, { maxLength: 40 }).map((t) => Buffer.from(t.join(''), 'latin1')),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
  mutatedArb,
);
const smallLimits: RespLimits = { maxArgs: 4, maxBulkBytes: 16, maxInlineBytes: 24 };

describe('RespParser properties', () => {
  it('parses encoded commands back exactly, however the bytes are split', () => {
    fc.assert(
      fc.property(commandsArb, cutsArb, (commands, cuts) => {
        const input = encode(commands);
        const outcome = run(split(input, cuts), DEFAULT_RESP_LIMITS);
        expect(outcome).toEqual({
          commands: commands.map((c) => c.map((a) => Buffer.from(a).toString('hex'))),
          error: null,
          pending: 0,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('raises nothing but RespProtocolError on garbage, with the same outcome however it is split', () => {
    fc.assert(
      fc.property(garbageArb, cutsArb, fc.boolean(), (garbage, cuts, small) => {
        const limits = small ? smallLimits : DEFAULT_RESP_LIMITS;
        const whole = run([garbage], limits);
        const pieces = run(split(garbage, cuts), limits);
        expect(pieces).toEqual(whole);
        const bytewise = run(
          [...garbage].map((b) => Buffer.from([b])),
          limits,
        );
        expect(bytewise).toEqual(whole);
        if (whole.error === null) expect(whole.pending).toBeLessThanOrEqual(garbage.length);
      }),
      { numRuns: 1500 },
    );
  });

  it('never loses valid commands that precede garbage', () => {
    fc.assert(
      fc.property(commandsArb, garbageArb, cutsArb, fc.boolean(), (commands, garbage, cuts, small) => {
        const limits = small ? smallLimits : DEFAULT_RESP_LIMITS;
        const fitting = small
          ? commands.filter((c) => c.length <= limits.maxArgs && c.every((a) => a.length <= limits.maxBulkBytes))
          : commands;
        const outcome = run(split(Buffer.concat([encode(fitting), garbage]), cuts), limits);
        expect(outcome.commands.slice(0, fitting.length)).toEqual(
          fitting.map((c) => c.map((a) => Buffer.from(a).toString('hex'))),
        );
      }),
      { numRuns: 500 },
    );
  });
});

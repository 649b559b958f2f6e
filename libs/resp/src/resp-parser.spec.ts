// Example cases for RespParser: multibulk, inline (Redis's quoting), binary bulks, pipelining,
// chunking, every protocol error with Redis's exact text, and the limits.
import { DEFAULT_RESP_LIMITS, RespParser, RespProtocolError, type RespLimits } from './resp-parser.js';

const text = (commands: Buffer[][]): string[][] => commands.map((c) => c.map((a) => a.toString('latin1')));

/** Parses input pushed in one chunk, as latin1 strings. */
function parse(input: string | Buffer, limits: RespLimits = DEFAULT_RESP_LIMITS): string[][] {
  return text(new RespParser(limits).push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input));
}

/** The error input raises (pushed whole, then byte by byte), checking both agree. */
function failure(input: string, limits: RespLimits = DEFAULT_RESP_LIMITS): { message: string; parsed: string[][] } {
  const outcomes = [[Buffer.from(input, 'latin1')], [...Buffer.from(input, 'latin1')].map((b) => Buffer.from([b]))].map(
    (chunks) => {
      const parser = new RespParser(limits);
      const parsed: Buffer[][] = [];
      for (const chunk of chunks) {
        try {
          parsed.push(...parser.push(chunk));
        } catch (e) {
          if (!(e instanceof RespProtocolError)) throw e;
          return { message: e.message, parsed: text([...parsed, ...e.parsed]) };
        }
      }
      throw new Error(`no protocol error for ${JSON.stringify(input)}`);
    },
  );
  expect(outcomes[1]).toEqual(outcomes[0]);
  return outcomes[0];
}

describe('RespParser multibulk', () => {
  it('parses a command', () => {
    expect(parse('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n')).toEqual([['GET', 'key']]);
  });

  it('parses pipelined commands of one chunk, as views into it', () => {
    const chunk = Buffer.from(
      '*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n',
    );
    const commands = new RespParser(DEFAULT_RESP_LIMITS).push(chunk);
    expect(text(commands)).toEqual([['PING'], ['SET', 'k', 'value'], ['GET', 'k']]);
    for (const arg of commands.flat()) expect(arg.buffer).toBe(chunk.buffer);
  });

  it('keeps bulks binary-safe: every byte value, CRLF inside, empty bulks', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const input = Buffer.concat([Buffer.from('*3\r\n$256\r\n'), all, Buffer.from('\r\n$0\r\n\r\n$4\r\n\r\n\r\n\r\n')]);
    const [command] = new RespParser(DEFAULT_RESP_LIMITS).push(input);
    expect(command.map((a) => a.toString('hex'))).toEqual([all.toString('hex'), '', '0d0a0d0a']);
  });

  it('ignores *0 and negative counts, as Redis does', () => {
    expect(parse('*0\r\n*-1\r\n*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n')).toEqual([['PING']]);
  });

  it('does not check the two bytes after a bulk or the byte after a header CR, as Redis does not', () => {
    expect(parse('*1\rX$3\r\nfoo!?')).toEqual([['foo']]);
  });

  it('gives the same commands however the bytes are split, and counts pending bytes', () => {
    const input = Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n');
    const parser = new RespParser(DEFAULT_RESP_LIMITS);
    const got: Buffer[][] = [];
    const pending: number[] = [];
    for (const b of input) {
      got.push(...parser.push(Buffer.from([b])));
      pending.push(parser.pendingBytes);
    }
    expect(text(got)).toEqual([['GET', 'key'], ['PING'], ['QUIT']]);
    expect(pending.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pending[21]).toBe(0); // after the 22 bytes of the first command
    expect(pending.at(-1)).toBe(0);
  });

  it('joins a large bulk sent in many small chunks once, and reports its bytes as pending', () => {
    const value = Buffer.alloc(1 << 20);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 0xff;
    const input = Buffer.concat([
      Buffer.from(`*2\r\n$3\r\nSET\r\n$${value.length}\r\n`),
      value,
      Buffer.from('\r\n*1\r\n$4\r\nPING\r\n'),
    ]);
    const parser = new RespParser(DEFAULT_RESP_LIMITS);
    const got: Buffer[][] = [];
    for (let at = 0; at < input.length; at += 1000) {
      got.push(...parser.push(input.subarray(at, at + 1000)));
      if (got.length === 0) expect(parser.pendingBytes).toBe(Math.min(at + 1000, input.length));
    }
    expect(got.length).toBe(2);
    expect(got[0][1].equals(value)).toBe(true);
    expect(text([got[1]])).toEqual([['PING']]);
    expect(parser.pendingBytes).toBe(0);
  });
});

describe('RespParser inline', () => {
  it('splits on whitespace and accepts CRLF or a lone LF', () => {
    expect(parse('SET k v\r\nPING\n  GET\t \x0bk  \r\n')).toEqual([['SET', 'k', 'v'], ['PING'], ['GET', 'k']]);
  });

  it('yields no command for empty or blank lines', () => {
    expect(parse('\r\n\n   \r\nPING\r\n')).toEqual([['PING']]);
  });

  it('keeps \\v and \\f inside an unquoted token, as sdssplitargs does', () => {
    expect(parse('a\x0bb\r\n')).toEqual([['a\x0bb']]);
  });

  it('decodes double quotes with escapes', () => {
    expect(parse('SET "a b" "\\n\\r\\t\\b\\a\\\\\\"\\x41\\xfF\\q\\x4g" ""\r\n')).toEqual([
      ['SET', 'a b', '\n\r\t\b\x07\\"A\xffqx4g', ''],
    ]);
  });

  it("decodes single quotes with \\' only", () => {
    expect(parse("SET 'it\\'s' 'a\\nb \"x\"'\r\n")).toEqual([['SET', "it's", 'a\\nb "x"']]);
  });

  it('joins quoted parts into the token they start in', () => {
    expect(parse('foo"bar baz"  x\'y\'\r\n')).toEqual([['foobar baz', 'xy']]);
  });

  it('ends the line at a NUL byte, as Redis (a C string) does', () => {
    expect(parse('GET a\x00b c\r\nPING\r\n')).toEqual([['GET', 'a'], ['PING']]);
  });

  it('mixes with multibulk commands in one chunk', () => {
    expect(parse('PING\r\n*1\r\n$4\r\nPING\r\nECHO "x y"\n')).toEqual([['PING'], ['PING'], ['ECHO', 'x y']]);
  });
});

describe('RespParser errors', () => {
  it.each([
    ['*x\r\n', 'Protocol error: invalid multibulk length'],
    ['*\r\n', 'Protocol error: invalid multibulk length'],
    ['*01\r\n', 'Protocol error: invalid multibulk length'],
    ['*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['*-0\r\n', 'Protocol error: invalid multibulk length'],
    ['*1 \r\n', 'Protocol error: invalid multibulk length'],
    ['*99999999999999999999\r\n', 'Protocol error: invalid multibulk length'],
    ['*9223372036854775807\r\n', 'Protocol error: invalid multibulk length'],
    ['*-9223372036854775809\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\nx3\r\nfoo\r\n', "Protocol error: expected '$', got 'x'"],
    ['*1\r\n\r\n', "Protocol error: expected '$', got '\r'"],
    ['*2\r\n$3\r\nGET\r\n*1\r\n', "Protocol error: expected '$', got '*'"],
    ['*1\r\n$x\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$03\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$99999999999999999999\r\n', 'Protocol error: invalid bulk length'],
    ['SET "a\r\n', 'Protocol error: unbalanced quotes in request'],
    ['SET "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
    ["SET 'a'b\r\n", 'Protocol error: unbalanced quotes in request'],
    ['SET "a\\"\r\n', 'Protocol error: unbalanced quotes in request'],
    ["SET 'a\r\n", 'Protocol error: unbalanced quotes in request'],
  ])('%j fails with %j', (input, message) => {
    expect(failure(input).message).toBe(message);
  });

  it('rejects a bulk declared before its count line ends only once the line is whole (Redis waits for CR)', () => {
    const parser = new RespParser(DEFAULT_RESP_LIMITS);
    expect(parser.push(Buffer.from('*1\r\nx'))).toEqual([]);
    expect(() => parser.push(Buffer.from('\r\n'))).toThrow("Protocol error: expected '$', got 'x'");
  });

  it('hands back the commands parsed before the error in the same push', () => {
    const { message, parsed } = failure('PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n*x\r\n');
    expect(message).toBe('Protocol error: invalid multibulk length');
    expect(parsed).toEqual([['PING'], ['GET', 'k'], ['PING']]);
  });

  it('stays failed: later pushes throw the same error with no commands', () => {
    const parser = new RespParser(DEFAULT_RESP_LIMITS);
    expect(() => parser.push(Buffer.from('*x\r\n'))).toThrow(RespProtocolError);
    let again: unknown;
    try {
      parser.push(Buffer.from('PING\r\n'));
    } catch (e) {
      again = e;
    }
    expect(again).toBeInstanceOf(RespProtocolError);
    expect(again).toMatchObject({ message: 'Protocol error: invalid multibulk length', parsed: [] });
  });
});

describe('RespParser limits', () => {
  const small: RespLimits = { maxArgs: 3, maxBulkBytes: 5, maxInlineBytes: 16 };

  it('has Redis defaults', () => {
    expect(DEFAULT_RESP_LIMITS).toEqual({
      maxArgs: 1024 * 1024,
      maxBulkBytes: 512 * 1024 * 1024,
      maxInlineBytes: 64 * 1024,
    });
  });

  it('caps arguments per command', () => {
    expect(parse('*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n', small)).toEqual([['a', 'b', 'c']]);
    expect(failure('*4\r\n', small).message).toBe('Protocol error: invalid multibulk length');
    expect(failure(`*${1024 * 1024 + 1}\r\n`).message).toBe('Protocol error: invalid multibulk length');
  });

  it('caps bulk size', () => {
    expect(parse('*1\r\n$5\r\nabcde\r\n', small)).toEqual([['abcde']]);
    expect(failure('*1\r\n$6\r\n', small).message).toBe('Protocol error: invalid bulk length');
    expect(failure(`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`).message).toBe('Protocol error: invalid bulk length');
  });

  it('caps inline lines, terminated or not', () => {
    expect(parse(`${'a'.repeat(16)}\r\n`, small)).toEqual([['a'.repeat(16)]]);
    expect(parse(`${'a'.repeat(16)}\n`, small)).toEqual([['a'.repeat(16)]]);
    expect(failure(`${'a'.repeat(17)}\r\n`, small).message).toBe('Protocol error: too big inline request');
    expect(failure('a'.repeat(17), small).message).toBe('Protocol error: too big inline request');
    expect(failure('a'.repeat(64 * 1024 + 1)).message).toBe('Protocol error: too big inline request');
  });

  it('caps header lines with the mbulk and bulk messages', () => {
    expect(failure(`*${'1'.repeat(16)}`, small).message).toBe('Protocol error: too big mbulk count string');
    expect(failure(`*${'1'.repeat(16)}\r\n`, small).message).toBe('Protocol error: too big mbulk count string');
    expect(failure(`*1\r\n$${'1'.repeat(16)}`, small).message).toBe('Protocol error: too big bulk count string');
    expect(failure(`*1\r\nx${'1'.repeat(16)}`, small).message).toBe('Protocol error: too big bulk count string');
  });
});

// The value model shared by HTTP and the Redis protocol, and INCR's integer rules.
import fc from 'fast-check';
import { increment, INT64_MAX, INT64_MIN, NOT_AN_INTEGER, parseInt64, WOULD_OVERFLOW } from './counters.js';
import {
  bodyBytes,
  bodyLength,
  bytesBody,
  decodeStored,
  encodeStored,
  isLive,
  jsonBody,
  readBody,
  stringBody,
} from './stored-value.js';

describe('stored values', () => {
  it('reads back any bytes written over the Redis protocol exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const bytes = Buffer.from(raw);
        const back = bodyBytes(decodeStored(encodeStored({ body: bytesBody(bytes) })).body);
        expect(Buffer.from(back)).toEqual(bytes);
        expect(bodyLength(bytesBody(bytes))).toBe(bytes.length);
      }),
    );
  });

  it('reads back any JSON value written over HTTP exactly, and a string the same through either protocol', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const body = jsonBody(value);
        const parsed = readBody(body);
        expect(parsed.kind === 'string' ? parsed.text : parsed.kind === 'json' ? parsed.json : undefined).toEqual(
          JSON.parse(JSON.stringify(value)),
        );
      }),
    );
    expect(jsonBody('hello')).toBe(bytesBody(Buffer.from('hello')));
    expect(bodyBytes(jsonBody('héllo'))).toBe('héllo');
    expect(bodyBytes(jsonBody({ a: 1 }))).toBe('{"a":1}');
    // JSON text stored before the model existed: a string is still a string.
    expect(readBody('"old"')).toEqual({ kind: 'string', text: 'old' });
    expect(bodyLength('"old"')).toBe(3);
  });

  it('keeps the expiry with the value and tells whether it is live', () => {
    const s = decodeStored(encodeStored({ body: stringBody('x;y'), expiresAt: 1_000 }));
    expect(s).toEqual({ body: "'x;y", expiresAt: 1_000 });
    expect(isLive(s, 999)).toBe(true);
    expect(isLive(s, 1_000)).toBe(false);
    expect(decodeStored("'x")).toEqual({ body: "'x" });
    // A string that starts with @ is not an expiry header.
    expect(decodeStored(stringBody('@1;x'))).toEqual({ body: "'@1;x" });
  });
});

describe('counters', () => {
  it("parses integers as Redis's string2ll does", () => {
    expect(['0', '-1', '42', String(INT64_MAX), String(INT64_MIN)].map(parseInt64)).toEqual([
      0n,
      -1n,
      42n,
      INT64_MAX,
      INT64_MIN,
    ]);
    for (const bad of [
      '',
      '+1',
      ' 1',
      '1 ',
      '01',
      '-0',
      '1.0',
      '1e3',
      String(INT64_MAX + 1n),
      String(INT64_MIN - 1n),
      'abc',
    ])
      expect(parseInt64(bad)).toBeUndefined();
  });

  it('adds to a string counter, to nothing, or to a JSON integer (which stays a number)', () => {
    expect(increment(undefined, 1n)).toEqual({ ok: true, body: "'1", value: 1n });
    expect(increment("'41", 1n)).toEqual({ ok: true, body: "'42", value: 42n });
    expect(increment('41', -50n)).toEqual({ ok: true, body: '-9', value: -9n });
    expect(increment(String(Number.MAX_SAFE_INTEGER), 1n)).toEqual({
      ok: true,
      body: `'${2n ** 53n}`,
      value: 2n ** 53n,
    });
  });

  it("refuses what is not an integer, and overflow, with Redis's messages", () => {
    expect(increment("'abc", 1n)).toEqual({ ok: false, error: NOT_AN_INTEGER });
    expect(increment('{"a":1}', 1n)).toEqual({ ok: false, error: NOT_AN_INTEGER });
    expect(increment('1.5', 1n)).toEqual({ ok: false, error: NOT_AN_INTEGER });
    expect(increment(`'${INT64_MAX}`, 1n)).toEqual({ ok: false, error: WOULD_OVERFLOW });
    expect(increment(`'${INT64_MIN}`, -1n)).toEqual({ ok: false, error: WOULD_OVERFLOW });
  });
});

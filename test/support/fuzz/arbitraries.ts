import fc from 'fast-check';
import { BigString, DeepNest, RawJson, type Tree } from './json-text.js';

// Building blocks for bad input: odd strings and numbers, wrong types,
// malformed JSON text, content types and path segments. Endpoint-specific
// values (just past a limit) live in endpoints.ts.

/** Strings that have broken parsers, prototypes and routers before. */
const ODD_STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e308',
  '1e400',
  '0x10',
  '10',
  'null',
  'true',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '\u0000',
  'a\u0000b',
  '\u001f\u007f',
  '\r\n',
  '\t',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\uffff',
  '\ufffd',
  '😀',
  'é',
  'Ω≈ç√',
  '../..',
  '..',
  '.',
  '%00',
  '%2e%2e',
  '{}',
  '[]',
  '"',
  '\\',
  '${x}',
  "' OR 1=1 --",
  '<script>',
  '{a}',
  'a b',
  ' a',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_STRINGS),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

/**
 * Numbers no millisecond/count field accepts, plus a few odd spellings of
 * ordinary ones (`1.0e2` is 100, `-0` is zero). Never a mid-sized whole number:
 * a valid waitMs of many seconds would stall the fuzzer on a held lock.
 */
export const oddNumber: fc.Arbitrary<Tree> = fc.oneof(
  fc.constantFrom<Tree>(
    -1,
    -0.5,
    0.5,
    1.5,
    99.999,
    -1e308,
    1e308,
    2 ** 53 + 2,
    2 ** 63,
    -(2 ** 31),
    1e-300,
    5e-324,
    1e21,
    1e10,
  ),
  fc.constantFrom<Tree>(
    new RawJson('1e400'),
    new RawJson('-1e400'),
    new RawJson('-0'),
    new RawJson('0.0'),
    new RawJson('1.0e2'),
    new RawJson('123456789012345678901234567890'),
    new RawJson('NaN'),
    new RawJson('Infinity'),
    new RawJson('0x10'),
    new RawJson('01'),
    new RawJson('+1'),
    new RawJson('.5'),
  ),
  fc.double().filter((x) => !Number.isInteger(x) || x < 0 || x > 1e9),
  fc.integer({ min: -1e9, max: -1 }),
);

/** A small JSON value of any shape (what a valid message or cache value looks like). */
export const smallTree: fc.Arbitrary<Tree> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Tree>;

/** Keys for extra (unknown) fields, including the prototype-polluting ones. */
export const oddKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'extra', 'Resource', 'owner '),
  fc.string({ maxLength: 8 }),
);

/** A value of the wrong type for whatever field it lands in (or an odd one of the right type). */
export const wrongType: fc.Arbitrary<Tree> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  oddNumber,
  oddString,
  fc.constant<Tree>([]),
  fc.constant<Tree>({}),
  fc.array(smallTree, { maxLength: 3 }),
  fc.dictionary(oddKey, smallTree, { maxKeys: 2 }),
);

/** Nesting that JSON.parse accepts but recursive code (JSON.stringify) may not. */
export const deepNest: fc.Arbitrary<Tree> = fc.constantFrom<Tree>(
  new DeepNest(513),
  new DeepNest(1000),
  new DeepNest(4000),
  new DeepNest(4100),
  new DeepNest(4500),
  new DeepNest(10_000),
  new DeepNest(100_000),
  new DeepNest(3000, 'object'),
  new DeepNest(20_000, 'object'),
);

/** JSON text that does not parse, or parses to something surprising. */
export const malformedJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '[1,',
    '{"a":',
    '{"a":1,}',
    '[',
    'nul',
    'tru',
    '{"a" 1}',
    "{'a':1}",
    '{"a":1}}',
    '{"a":1}{"b":2}',
    '\u0000',
    '\ufeff{}',
    '{"a":"\\u12"}',
    '{"a":"\\x41"}',
    '{"a":01}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":undefined}',
    '/*c*/{}',
    '{"a":1e}',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":{"__proto__":null}}',
    '"unterminated',
    '{"a":"\n"}',
    ' ',
    '\n\n',
    'null',
    '1',
    '"str"',
    '[]',
    'true',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  // Depth bombs, unclosed and closed.
  fc.integer({ min: 1000, max: 200_000 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1000, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  // A valid value cut short.
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, n]) => {
    const text = JSON.stringify(v) ?? '';
    return text.slice(0, n % (text.length + 1));
  }),
);

/** Content types Fastify parses as JSON. */
export const jsonContentType: fc.Arbitrary<string> = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=UTF-8',
);

/** Everything else someone might send. */
export const otherContentType: fc.Arbitrary<string> = fc.constantFrom(
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'foo/bar',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/jsonx',
  'text/json',
  'application/vnd.api+json',
  '*/*',
  'application/json, text/plain',
  ';',
  'application/',
  '',
);

/** Percent-encodes the UTF-8 bytes of `s` except unreserved characters (lone surrogates become U+FFFD). */
export function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Raw (already encoded) path segments a router or a decoder may trip on. */
const ODD_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E',
  '%2F',
  '%2f..',
  'a%2Fb',
  '%00',
  'a%00b',
  '%',
  '%zz',
  '%4',
  '%ED%A0%80',
  '%FF',
  '%C0%AF',
  '%E2%80%AE',
  '%EF%BB%BF',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  '%20',
  '+',
  '~',
  '*',
  ';',
  'a;b=c',
  ':x',
  '%3A',
  '%7B%7D',
  '%25',
  '%2525',
  '%5C',
];

/**
 * A raw path segment: one of `known` (placeholders of the fixtures, so odd
 * requests hit real state), a known one with junk attached, an encoded odd
 * string, a router trap, or a long one around `limits` (lengths in bytes).
 */
export function pathSegment(known: readonly string[], limits: readonly number[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...known), fc.constantFrom('%00', '.', '%20', '%2F', '%FF', '..', 'x'))
        .map(([k, j]) => k + j),
    },
    { weight: 3, arbitrary: oddString.filter((s) => s.length > 0).map(percentEncode) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom(...limits.flatMap((n) => [n, n + 1])).map((n) => 'a'.repeat(n)),
        // Two-byte characters, percent-encoded: six characters of path per character.
        fc.constantFrom(...limits.flatMap((n) => [n, n + 2])).map((n) => percentEncode('é'.repeat(n / 2))),
        fc.integer({ min: 2000, max: 5000 }).map((n) => 'b'.repeat(n)),
      ),
    },
  );
}

/** Usually no query string; sometimes an odd one (no endpoint reads the query). */
export const querySuffix: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?',
      '?a=1',
      '?__proto__[x]=1',
      '?constructor[prototype][x]=1',
      '?%zz',
      '?a=%ff',
      `?${'a=1&'.repeat(1000)}`,
      '?resource=x&owner=y',
      '?&&&',
      '?a[]=1&a[]=2',
    ),
  },
  { weight: 1, arbitrary: oddString.map((s) => `?q=${percentEncode(s)}`) },
);

/** A string just over `max` characters, in one- and two-unit characters, and a much bigger one. */
export function tooLong(max: number): fc.Arbitrary<Tree> {
  return fc.constantFrom<Tree>(
    new BigString(max + 1),
    new BigString(Math.floor(max / 2) + 1, '😀'),
    new BigString(max * 8),
    new BigString(100_000),
  );
}

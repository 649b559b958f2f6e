import { readBody, stringBody } from './stored-value.js';

// INCR and friends, with Redis's rules: the value is a string holding a signed 64-bit
// decimal integer (no sign '+', no spaces, no leading zeros), a missing key counts as 0,
// and a result outside 64 bits is refused, not wrapped. A JSON number PUT over HTTP counts
// too while it is an integer JavaScript holds exactly, and stays a JSON number.

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export const NOT_AN_INTEGER = 'value is not an integer or out of range';
export const WOULD_OVERFLOW = 'increment or decrement would overflow';

const DECIMAL = /^(0|-?[1-9][0-9]{0,19})$/;

/** A 64-bit integer written the way Redis's string2ll accepts it, or undefined. */
export function parseInt64(text: string): bigint | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

export type Increment =
  { readonly ok: true; readonly body: string; readonly value: bigint } | { readonly ok: false; readonly error: string };

/** The body after adding `by` to `body` (undefined: no value, counts as 0). */
export function increment(body: string | undefined, by: bigint): Increment {
  let current = 0n;
  let json = false;
  if (body !== undefined) {
    const parsed = readBody(body);
    if (parsed.kind === 'string') {
      const n = parseInt64(parsed.text);
      if (n === undefined) return { ok: false, error: NOT_AN_INTEGER };
      current = n;
    } else if (parsed.kind === 'json' && typeof parsed.json === 'number' && Number.isSafeInteger(parsed.json)) {
      current = BigInt(parsed.json);
      json = true;
    } else return { ok: false, error: NOT_AN_INTEGER };
  }
  const value = current + by;
  if (value < INT64_MIN || value > INT64_MAX) return { ok: false, error: WOULD_OVERFLOW };
  // A JSON number that would leave the exactly-held range becomes a decimal string.
  const asJson = json && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return { ok: true, body: asJson ? String(value) : stringBody(String(value)), value };
}

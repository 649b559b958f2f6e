import { z } from 'zod';

/**
 * A count in a query string. The URL carries text: a run of digits becomes a
 * number, anything else ("1.5", "0x10", "-1", "1e3", "") stays text and is refused
 * as not a whole number; then it is bounded like a body field.
 */
export function queryCount(what: string, def: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v),
    z
      .number({ error: `${what} must be a whole number` })
      .int(`${what} must be a whole number`)
      .min(1, `${what} must be at least 1`)
      .max(max, `${what} must be at most ${max}`)
      .default(def),
  );
}

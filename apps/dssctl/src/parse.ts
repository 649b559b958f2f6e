import { UsageError } from './errors.js';

// Argument and flag parsers. Each throws a UsageError naming the flag, so a
// typo stops dssctl before anything is sent (exit 2).

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1h`; a bare number is in `bareUnit` (milliseconds unless told). Whole milliseconds out. */
export function parseDuration(raw: string, what: string, bareUnit: 'ms' | 's' = 'ms'): number {
  const m = DURATION.exec(raw.trim());
  if (!m)
    throw new UsageError(
      `${what}: "${raw}" is not a duration (examples: 500ms, 30s, 2m; a bare number is in ${bareUnit === 'ms' ? 'milliseconds' : 'seconds'})`,
    );
  const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? bareUnit]!);
  if (!Number.isSafeInteger(ms)) throw new UsageError(`${what}: "${raw}" is too large`);
  return ms;
}

/** A whole number >= min. */
export function parseCount(raw: string, what: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${what}: "${raw}" must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`,
    );
  }
  return n;
}

/** A fraction from 0 to 1 (`0.8`) or a percentage (`80%`). */
export function parseRatio(raw: string, what: string): number {
  const t = raw.trim();
  const pct = t.endsWith('%');
  const n = Number(pct ? t.slice(0, -1) : t);
  const v = pct ? n / 100 : n;
  if (t === '' || t === '%' || !Number.isFinite(v) || v < 0 || v > 1)
    throw new UsageError(`${what}: "${raw}" must be a fraction from 0 to 1 or a percentage (0.8, 80%)`);
  return v;
}

/** A JSON value given on the command line or in a file. */
export function parseJsonValue(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(
      `${what} is not valid JSON: ${raw.length > 40 ? raw.slice(0, 39) + '…' : raw} (quote strings, e.g. '"hello"', or use --raw to send text as is)`,
    );
  }
}

/**
 * A base URL of one daemon: `http(s)://host:port`, no path. `host:port` alone
 * means http. Normalised without a trailing slash.
 */
export function parseBaseUrl(raw: string, what: string): string {
  const trimmed = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${what}: "${raw}" is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${what}: "${raw}" must be an http:// or https:// URL`);
  if (url.hostname === '') throw new UsageError(`${what}: "${raw}" has no host`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new UsageError(`${what}: "${raw}" must be a base URL without a path (http://host:port)`);
  }
  return `${url.protocol}//${url.host}`;
}

/** Comma-separated base URLs; at least one. */
export function parseUrlList(raw: string, what: string): string[] {
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw new UsageError(`${what}: give at least one URL (http://host:port,http://host:port)`);
  return urls.map((u) => parseBaseUrl(u, what));
}

// Rendering for people (aligned tables, label/value blocks) and for scripts
// (--json: exactly one JSON document on stdout).

export type Cell = string | number | boolean | null | undefined;
export type Align = 'left' | 'right';

export interface TableOptions {
  /** By header; a column whose cells are all numbers is right-aligned unless told otherwise. */
  readonly align?: Readonly<Record<string, Align>>;
}

function cellText(c: Cell): string {
  if (c === null || c === undefined || c === '') return '-';
  return String(c);
}

/** Columns padded to their widest cell, two spaces apart, upper-case headers, no trailing spaces. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  opts: TableOptions = {},
): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const align = headers.map(
    (h, i) =>
      opts.align?.[h] ??
      (rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined)
        ? 'right'
        : 'left'),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...text.map(line)].join('\n') + '\n';
}

/** `label:  value` lines, values aligned. */
export function renderFields(fields: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${(label + ':').padEnd(width)}  ${cellText(value)}`).join('\n') + '\n';
}

/** One JSON document, pretty-printed, newline-terminated. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** A JSON value on one line, cut to `max` characters for a table cell. */
export function compactJson(value: unknown, max = 60): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** 0.8 ms, 12.3 ms, 1.5 s, 2 min 5 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTime(epochMs: number | undefined): string {
  return epochMs === undefined || !Number.isFinite(epochMs) ? '-' : new Date(epochMs).toISOString();
}

export function plural(n: number, word: string, words = word + 's'): string {
  return `${n} ${n === 1 ? word : words}`;
}

import fc from 'fast-check';

// Request bodies are generated as trees and written as JSON text by hand, so a
// body can hold what JSON.stringify cannot write (1e400, -0, duplicate keys,
// broken syntax) and so a 1 MiB string prints as `big(1048577)` in a
// counterexample instead of a megabyte of "x".

/** A literal piece of JSON text, written as is (it may be invalid JSON on purpose). */
export class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `raw(${JSON.stringify(this.text.length > 80 ? `${this.text.slice(0, 80)}…` : this.text)})`;
  }
}

/** A JSON string of `length` copies of `unit` (a BMP character or a pair). */
export class BigString {
  constructor(
    readonly length: number,
    readonly unit = 'x',
  ) {}
  [fc.toStringMethod](): string {
    return `big(${this.length}${this.unit === 'x' ? '' : `, ${JSON.stringify(this.unit)}`})`;
  }
}

/** Arrays (or objects `{"a":…}`) nested `depth` levels deep around `null`. */
export class DeepNest {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object' = 'array',
  ) {}
  [fc.toStringMethod](): string {
    return `deep(${this.depth}, ${this.kind})`;
  }
}

export type Tree =
  | null
  | boolean
  | number
  | string
  | RawJson
  | BigString
  | DeepNest
  | readonly Tree[]
  | { readonly [key: string]: Tree };

/** The JSON text of a tree. NaN and ±Infinity are written bare (invalid JSON, on purpose). */
export function toJsonText(tree: Tree): string {
  if (tree === null || typeof tree === 'boolean' || typeof tree === 'string') return JSON.stringify(tree);
  if (typeof tree === 'number') return Number.isFinite(tree) ? JSON.stringify(tree) : String(tree);
  if (tree instanceof RawJson) return tree.text;
  if (tree instanceof BigString) return JSON.stringify(tree.unit.repeat(tree.length));
  if (tree instanceof DeepNest)
    return tree.kind === 'array'
      ? `${'['.repeat(tree.depth)}null${']'.repeat(tree.depth)}`
      : `${'{"a":'.repeat(tree.depth)}null${'}'.repeat(tree.depth)}`;
  if (Array.isArray(tree)) return `[${tree.map(toJsonText).join(',')}]`;
  // Object.entries sees "__proto__" only when it is an own key, which is how fast-check builds records.
  return `{${Object.entries(tree as { readonly [key: string]: Tree })
    .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
    .join(',')}}`;
}

/** About how many bytes the tree's JSON text takes, without writing it (to tell an over-1-MiB body). */
export function approxBytes(tree: Tree): number {
  if (tree instanceof BigString) return tree.length * Buffer.byteLength(tree.unit) + 2;
  if (tree instanceof DeepNest) return tree.depth * (tree.kind === 'array' ? 2 : 6) + 4;
  if (tree instanceof RawJson) return tree.text.length;
  if (tree === null || typeof tree !== 'object') return toJsonText(tree).length;
  if (Array.isArray(tree)) return tree.reduce((n: number, t: Tree) => n + approxBytes(t) + 1, 2);
  return Object.entries(tree as { readonly [key: string]: Tree }).reduce(
    (n, [k, v]) => n + k.length + 3 + approxBytes(v),
    2,
  );
}

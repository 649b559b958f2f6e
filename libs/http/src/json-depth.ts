/**
 * Deepest nesting of arrays and objects a stored JSON value (a queue message,
 * a cache value) may have. JSON.parse accepts any depth, but JSON.stringify
 * recurses and overflows the stack a few thousand levels down, at a depth
 * that depends on the code path: a value accepted on one path failed with a
 * 500 on another (a consume through a non-owner, a read through a non-home).
 * A fixed limit far below that answers the same on every node.
 */
export const JSON_MAX_DEPTH = 512;

/** Whether `value` nests arrays/objects more than `max` levels deep (iterative: safe at any depth). */
export function jsonDeeperThan(value: unknown, max: number = JSON_MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

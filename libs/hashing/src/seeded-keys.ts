// Reproducible pseudo-random keys for the tests and the benchmark (mulberry32 PRNG), so every
// figure in the README can be recomputed exactly.

/** A deterministic PRNG returning uint32s. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` keys shaped like real topic/cache names ("key-<hex>-<hex>"), from `seed`. */
export function seededKeys(count: number, seed = 42): string[] {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => `key-${next().toString(16)}-${next().toString(16)}`);
}

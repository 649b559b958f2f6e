// Rendezvous (highest-random-weight) hashing, kept as the measured alternative to the ring
// (README: "Ring or rendezvous?") and for the benchmark. Not used by the services.
import { hash32 } from './murmur3.js';

// murmur3's finaliser: a bijective avalanche mix, so distinct (key, node) pairs score apart.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Owner = the node with the highest score(key, node): one key hash plus O(nodes) integer mixes. */
export class Rendezvous {
  readonly nodes: readonly string[];
  private readonly seeds: Uint32Array;

  constructor(nodeIds: readonly string[]) {
    this.nodes = [...nodeIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.seeds = Uint32Array.from(this.nodes, (id) => hash32(id));
  }

  owner(key: string): string {
    if (this.nodes.length === 0) throw new Error(`rendezvous: no nodes to own key ${JSON.stringify(key)}`);
    const k = hash32(key);
    let best = 0;
    let bestScore = -1;
    for (let n = 0; n < this.seeds.length; n++) {
      // Strict '>' over sorted ids: ties go to the smaller id, whatever the input order.
      const score = fmix32((k ^ this.seeds[n]) + 0x9e3779b9);
      if (score > bestScore) {
        best = n;
        bestScore = score;
      }
    }
    return this.nodes[best];
  }
}

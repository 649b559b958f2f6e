// Consistent-hash ring with virtual nodes (Karger et al.; Dynamo's preference lists). A key
// belongs to the first virtual node at or clockwise after hash(key). The layout depends only on
// the SET of node ids and the vnode count, never on input order, object identity or runtime,
// so every process of every version that sees the same members computes the same owners.
import { hash32 } from './murmur3.js';

/** Virtual nodes per node: spread ≈ 1/sqrt(160) ≈ 8% per node; see README for measurements. */
export const DEFAULT_VNODES = 160;

/** The hash space is the 32-bit unsigned integers. */
const SPACE = 2 ** 32;

export interface HashRingOptions {
  /** Virtual nodes per node (positive integer). Every member of a cluster must use the same value. */
  readonly vnodes?: number;
}

/** Position of node `nodeId`'s i-th virtual node. Part of the fixed layout: do not change. */
export function vnodePosition(nodeId: string, i: number): number {
  return hash32(`${nodeId}#${i}`);
}

/** The ring's position of a key. */
export function keyPosition(key: string): number {
  return hash32(key);
}

// Plain code-unit order: deterministic everywhere, unlike localeCompare (ICU-dependent).
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function validateNodeId(nodeId: unknown): asserts nodeId is string {
  if (typeof nodeId !== 'string' || nodeId.length === 0) {
    throw new TypeError(`hash ring node id must be a non-empty string, got ${JSON.stringify(nodeId)}`);
  }
}

export class HashRing {
  /** Member ids, sorted by code unit. */
  readonly nodes: readonly string[];
  readonly vnodes: number;
  // Parallel arrays sorted by (position, node id): typed arrays keep lookups cache-friendly.
  private readonly positions: Uint32Array;
  private readonly owners: Uint16Array;

  constructor(nodeIds: readonly string[], options: HashRingOptions = {}) {
    const vnodes = options.vnodes ?? DEFAULT_VNODES;
    if (!Number.isInteger(vnodes) || vnodes < 1) {
      throw new RangeError(`hash ring vnodes must be a positive integer, got ${String(vnodes)}`);
    }
    nodeIds.forEach(validateNodeId);
    const nodes = [...nodeIds].sort(byCodeUnit);
    for (let i = 1; i < nodes.length; i++) {
      if (nodes[i] === nodes[i - 1]) throw new RangeError(`hash ring node id "${nodes[i]}" is listed twice`);
    }
    if (nodes.length > 0xffff) throw new RangeError(`hash ring supports at most 65535 nodes, got ${nodes.length}`);
    this.nodes = Object.freeze(nodes);
    this.vnodes = vnodes;

    const total = nodes.length * vnodes;
    const pos = new Uint32Array(total);
    const who = new Uint16Array(total);
    for (let n = 0, j = 0; n < nodes.length; n++) {
      for (let i = 0; i < vnodes; i++, j++) {
        pos[j] = vnodePosition(nodes[n], i);
        who[j] = n;
      }
    }
    // Sort by position; a (rare) exact collision is broken by node id, which is order-free
    // because node indexes follow the sorted ids.
    const order = Array.from({ length: total }, (_, j) => j);
    order.sort((a, b) => pos[a] - pos[b] || who[a] - who[b]);
    this.positions = Uint32Array.from(order, (j) => pos[j]);
    this.owners = Uint16Array.from(order, (j) => who[j]);
  }

  get size(): number {
    return this.nodes.length;
  }

  has(nodeId: string): boolean {
    return this.indexOfNode(nodeId) >= 0;
  }

  /** The node owning `key`. Throws on an empty ring: there is no sensible default owner. */
  owner(key: string): string {
    if (this.positions.length === 0) throw new Error(`hash ring is empty: no owner for key ${JSON.stringify(key)}`);
    return this.nodes[this.owners[this.firstVnodeAtOrAfter(keyPosition(key))]];
  }

  /**
   * The first `n` distinct nodes clockwise from `key` (Dynamo's preference list): the owner,
   * then the successors that take over, in order, as earlier ones fail. Length min(n, size).
   */
  preferenceList(key: string, n: number): string[] {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`preference list length must be a non-negative integer, got ${String(n)}`);
    const want = Math.min(n, this.nodes.length);
    const result: string[] = [];
    if (want === 0) return result;
    const seen = new Uint8Array(this.nodes.length);
    const total = this.positions.length;
    const start = this.firstVnodeAtOrAfter(keyPosition(key));
    for (let step = 0; step < total && result.length < want; step++) {
      const node = this.owners[(start + step) % total];
      if (seen[node] === 0) {
        seen[node] = 1;
        result.push(this.nodes[node]);
      }
    }
    return result;
  }

  /**
   * The first node of `key`'s full preference list that is in `alive`, or undefined when no
   * member is alive. When the owner dies its keys go to their next node, and come back when it
   * returns; ids in `alive` that are not members are ignored.
   */
  ownerAmong(key: string, alive: readonly string[] | ReadonlySet<string>): string | undefined {
    const total = this.positions.length;
    if (total === 0) return undefined;
    const up = new Uint8Array(this.nodes.length);
    let anyUp = false;
    for (const id of alive) {
      const index = this.indexOfNode(id);
      if (index >= 0) {
        up[index] = 1;
        anyUp = true;
      }
    }
    if (!anyUp) return undefined;
    // Walking vnodes clockwise meets nodes in preference-list order, so the first live one wins.
    const start = this.firstVnodeAtOrAfter(keyPosition(key));
    for (let step = 0; step < total; step++) {
      const node = this.owners[(start + step) % total];
      if (up[node] === 1) return this.nodes[node];
    }
    return undefined; // unreachable: some member is up and every member has vnodes
  }

  /** A ring with `nodeId` added (this ring, if already a member). */
  with(nodeId: string): HashRing {
    validateNodeId(nodeId);
    return this.has(nodeId) ? this : new HashRing([...this.nodes, nodeId], { vnodes: this.vnodes });
  }

  /** A ring without `nodeId` (this ring, if not a member). */
  without(nodeId: string): HashRing {
    return this.has(nodeId)
      ? new HashRing(
          this.nodes.filter((id) => id !== nodeId),
          { vnodes: this.vnodes },
        )
      : this;
  }

  /** Fraction of the 2^32 hash space each node owns (sums to 1; empty map for an empty ring). */
  ownership(): Map<string, number> {
    const arcs = new Float64Array(this.nodes.length);
    const total = this.positions.length;
    for (let j = 0; j < total; j++) {
      // Vnode j owns the arc (previous position, own position]; vnode 0's arc wraps past 2^32.
      const previous = j === 0 ? this.positions[total - 1] - SPACE : this.positions[j - 1];
      arcs[this.owners[j]] += this.positions[j] - previous;
    }
    return new Map(this.nodes.map((id, n) => [id, arcs[n] / SPACE]));
  }

  /** Index of the first vnode whose position is >= `h`, wrapping to 0 past the last one. */
  private firstVnodeAtOrAfter(h: number): number {
    const positions = this.positions;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === positions.length ? 0 : lo;
  }

  private indexOfNode(nodeId: string): number {
    let lo = 0;
    let hi = this.nodes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = byCodeUnit(this.nodes[mid], nodeId);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

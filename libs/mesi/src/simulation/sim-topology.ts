// The simulated cluster's shape: three nodes, a few keys, each key's directory on a fixed home.
import type { NodeId } from '../protocol-types.js';

export const NODES: readonly NodeId[] = ['node1', 'node2', 'node3'];
export const KEYS: readonly string[] = ['k0', 'k1', 'k2'];
export const homeOf = (key: string): NodeId => NODES[Number(key.slice(1)) % NODES.length];

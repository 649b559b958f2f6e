// Deterministic simulation harness for the Raft core.
export { Prng } from '@dss/prng';
export { ListStateMachine, type AppliedCommand } from './state-machine.js';
export { DurableStore } from './durable-store.js';
export { SimNetwork, RELIABLE, UNRELIABLE, UNRELIABLE_LONG_REORDER, type NetworkOptions } from './network.js';
export { SafetyChecker, SafetyViolation } from './checker.js';
export { SimNode, type CoreTuning, type CompletedRead } from './sim-node.js';
export { Cluster, type ClusterOptions } from './cluster.js';

// The contract between the chaos runner and its workloads. A workload drives
// one service of the cluster through its HTTP API (or Redis, for the fenced
// counter) until the deadline, records what it saw, and afterwards judges its
// own history. The runner owns the cluster, the nemesis and the clock.
import type { HistoryOp } from '../../support/history/index.js';

export type Role = 'lock' | 'queue' | 'cache';

/** A stretch of time in which a fault touched some nodes (recorder clock: performance.now()). */
export interface FaultWindow {
  /** e.g. 'kill', 'pause', 'partition-isolate', 'redis-primary-kill'. */
  readonly kind: string;
  /** Node ids (vm1..vm3) whose daemons were killed, paused or cut off; empty = no node (e.g. Redis only). */
  readonly nodes: readonly string[];
  /** Roles of the daemons touched on those nodes; all three for a partition. */
  readonly roles: readonly Role[];
  readonly start: number;
  /** When the fault was healed (restart done, SIGCONT sent, partition removed). */
  readonly end: number;
}

export interface WorkloadContext {
  /** Node ids in order: ['vm1', 'vm2', 'vm3']. */
  readonly nodes: readonly string[];
  /** Base URL of a role's daemon on a node, e.g. http://192.168.57.11:8021 (no trailing slash). */
  readonly url: (role: Role, node: string) => string;
  /** The Redis servers, for a workload that talks to Redis itself (the fenced counter); the primary is named by the lock nodes' GET /redis. */
  readonly redis: { readonly nodes: readonly { readonly id: string; readonly host: string; readonly port: number }[] };
  /** Seed for every random choice of the workload (derive per-client seeds from it). */
  readonly seed: number;
  /** Date.now() after which no new operation starts; the queue then drains (see Workload.run). */
  readonly deadline: number;
  /** Progress and oddities, one line each (goes to the run log). */
  readonly log: (line: string) => void;
}

export interface WorkloadVerdict {
  readonly workload: string;
  readonly ok: boolean;
  /** Anomalies found (0 when ok): violations, lost messages, lost updates... */
  readonly anomalies: number;
  /** Operations recorded (each invocation counts once). */
  readonly ops: number;
  /** Named figures for the report, e.g. { grants: 812, unknown: 3, duplicates: 17 }. */
  readonly figures: Readonly<Record<string, number>>;
  /** One paragraph for the run log; every anomaly with its ops when !ok. */
  readonly details: string;
}

export interface Workload {
  readonly name: string;
  /**
   * Runs until ctx.deadline; resolves when every client stopped. The queue
   * workload then keeps consuming until every acknowledged message was
   * delivered or its drain timeout passed (the runner heals all faults first).
   */
  run(ctx: WorkloadContext): Promise<void>;
  /** Judges the recorded history; `faults` are the windows the nemesis produced during the run. */
  verdict(faults: readonly FaultWindow[]): WorkloadVerdict;
  /** Everything recorded, for the run's artefacts (JSON lines). */
  history(): readonly HistoryOp[];
}

import type { Entry, StateMachine } from '@dss/raft';
import {
  InvalidTopologyCommandError,
  TopologyRegister,
  validateTopologyCommand,
  type RedisTopology,
  type TopologyResult,
} from '@dss/redis-ha';
import { DeadlockLog } from './deadlock-log.js';
import { RECENT_DEADLOCKS_MAX } from './lock-limits.js';
import type { LockEvent, LockResult } from './state/lock-commands.js';
import { InvalidLockCommandError, LockTable, validateLockCommand } from './state/index.js';

export type LockListener = {
  /** Events of one applied entry, in order. */
  onEvents?(events: readonly LockEvent[]): void;
  /** The whole table was replaced from a snapshot. */
  onRestore?(): void;
  /** The Redis topology changed (an applied entry or a snapshot). */
  onTopology?(topology: RedisTopology): void;
};

/** A result for an entry that is not a valid command; every node computes the same. */
export type InvalidResult = { readonly status: 'invalid'; readonly message: string };

/** Snapshot of a machine that carries a Redis topology: the lock table's own snapshot beside it. */
const SNAPSHOT_WITH_TOPOLOGY = 2;

/**
 * The lock nodes' replicated state as Raft's state machine: the lock table
 * and, in a `raft` Redis deployment, the Redis topology (docs/redis-failover.md).
 * Parses each entry, applies it, and tells listeners what changed (parked
 * requests, the leader's timers, metrics, daemons waiting for a new topology).
 */
export class LockStateMachine implements StateMachine {
  private current = new LockTable();
  private readonly listeners = new Set<LockListener>();
  private readonly redis: TopologyRegister | undefined;
  /**
   * Recent DEADLOCK refusals, recorded here, where every node applies every entry, rather
   * than by the leader that answered: a DEADLOCK is a deterministic result of an entry, so
   * each node records the same refusals whichever node the client called and whichever
   * node the operator asks, and a leader change loses nothing. Only `when` is local (this
   * node's clock at apply). A requestId retry answered from the table's request cache is
   * not a new refusal and is not recorded again. Not replicated state: in memory, empty
   * after a restart (until the node re-applies the log past its snapshot; see docs/locks.md).
   */
  readonly deadlocks = new DeadlockLog(RECENT_DEADLOCKS_MAX);

  /** `redisNodeIds`: the Redis nodes of a `raft` deployment, in the description's order; none otherwise. */
  constructor(redisNodeIds: readonly string[] = []) {
    this.redis = redisNodeIds.length > 0 ? new TopologyRegister(redisNodeIds) : undefined;
  }

  get table(): LockTable {
    return this.current;
  }

  /** The applied Redis topology; undefined without a `raft` Redis deployment. */
  get redisTopology(): RedisTopology | undefined {
    return this.redis?.current;
  }

  apply(entry: Entry): LockResult | TopologyResult | InvalidResult {
    let value: unknown;
    try {
      value = JSON.parse(entry.data);
    } catch (err) {
      return { status: 'invalid', message: `lock command is not JSON: ${(err as Error).message}` };
    }
    try {
      if (isTopologyCommand(value)) return this.applyTopology(value);
      const command = validateLockCommand(value);
      const retry = this.current.remembers(command);
      const { result, events } = this.current.apply(command, entry.index);
      if (!retry) this.deadlocks.observe(command, result, entry.index);
      if (events.length > 0) for (const l of this.listeners) l.onEvents?.(events);
      return result;
    } catch (err) {
      // Deterministic on every node: an invalid entry changes nothing.
      if (err instanceof InvalidLockCommandError || err instanceof InvalidTopologyCommandError)
        return { status: 'invalid', message: err.message };
      throw err;
    }
  }

  snapshot(): string {
    const locks = this.current.snapshot();
    // Without a change of topology the snapshot stays the lock table's own (older nodes read it).
    if (!this.redis || this.redis.current.epoch === 0) return locks;
    return JSON.stringify({ version: SNAPSHOT_WITH_TOPOLOGY, locks, redis: this.redis.current });
  }

  restore(data: string): void {
    const wrapped = parseWrapped(data);
    this.current = LockTable.restore(wrapped?.locks ?? data);
    if (this.redis) {
      if (wrapped) this.redis.restore(wrapped.redis);
      else this.redis.reset();
    }
    for (const l of this.listeners) l.onRestore?.();
    const topology = this.redis?.current;
    if (topology) for (const l of this.listeners) l.onTopology?.(topology);
  }

  subscribe(listener: LockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private applyTopology(value: Readonly<Record<string, unknown>>): TopologyResult | InvalidResult {
    if (!this.redis) return { status: 'invalid', message: 'redisTopology: this cluster has no raft-managed Redis' };
    const result = this.redis.apply(validateTopologyCommand(value, this.redis.nodeIds));
    if (result.status === 'changed') for (const l of this.listeners) l.onTopology?.(result.topology);
    return result;
  }
}

function isTopologyCommand(value: unknown): value is Readonly<Record<string, unknown>> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { op?: unknown }).op === 'redisTopology'
  );
}

function parseWrapped(data: string): { locks: string; redis: RedisTopology } | undefined {
  if (!data.startsWith(`{"version":${SNAPSHOT_WITH_TOPOLOGY},`)) return undefined;
  const raw: unknown = JSON.parse(data);
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { locks, redis } = raw as { locks?: unknown; redis?: unknown };
  if (typeof locks !== 'string' || typeof redis !== 'object' || redis === null)
    throw new Error('invalid lock snapshot: version 2 needs "locks" and "redis"');
  const { epoch, primary } = redis as { epoch?: unknown; primary?: unknown };
  if (typeof epoch !== 'number' || typeof primary !== 'string')
    throw new Error('invalid lock snapshot: "redis" needs epoch and primary');
  return { locks, redis: { epoch, primary, replicas: [] } };
}

// The Redis topology as the lock nodes' replicated state: which Redis node is
// the primary, which are its replicas, and an epoch that grows by one with
// every change. Changed only by a `redisTopology` log entry whose expectEpoch
// is the current epoch (compare and set), so two leaders' decisions can never
// both apply. Pure: every lock node applies the same entries to the same value.

export interface RedisTopology {
  readonly epoch: number;
  readonly primary: string;
  /** Every other Redis node, in the description's order. */
  readonly replicas: readonly string[];
}

export interface TopologyCommand {
  readonly op: 'redisTopology';
  /** Applies only if this is the epoch now; the new epoch is expectEpoch + 1. */
  readonly expectEpoch: number;
  readonly primary: string;
  /** Why, for the log and /redis (e.g. 'node1 missed 3 probes'). */
  readonly reason: string;
}

export type TopologyResult =
  | { readonly status: 'changed'; readonly topology: RedisTopology }
  | { readonly status: 'stale'; readonly topology: RedisTopology };

/** Longest `reason` kept in the log. */
export const MAX_TOPOLOGY_REASON_LENGTH = 200;

export class InvalidTopologyCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTopologyCommandError';
  }
}

/** Epoch 0: the first node is the primary. */
export function initialTopology(nodeIds: readonly string[]): RedisTopology {
  if (nodeIds.length === 0) throw new Error('a Redis topology needs at least one node');
  return { epoch: 0, primary: nodeIds[0]!, replicas: nodeIds.slice(1) };
}

/** The topology with `primary` promoted, the others its replicas in the description's order. */
export function withPrimary(nodeIds: readonly string[], epoch: number, primary: string): RedisTopology {
  return { epoch, primary, replicas: nodeIds.filter((id) => id !== primary) };
}

/** Checks a decoded entry against the configured node ids; throws InvalidTopologyCommandError. */
export function validateTopologyCommand(
  value: Readonly<Record<string, unknown>>,
  nodeIds: readonly string[],
): TopologyCommand {
  for (const key of Object.keys(value)) {
    if (!['op', 'expectEpoch', 'primary', 'reason'].includes(key))
      throw new InvalidTopologyCommandError(`redisTopology: unexpected field "${key}"`);
  }
  const { expectEpoch, primary, reason } = value;
  if (typeof expectEpoch !== 'number' || !Number.isSafeInteger(expectEpoch) || expectEpoch < 0) {
    throw new InvalidTopologyCommandError('redisTopology: "expectEpoch" must be a non-negative integer');
  }
  if (typeof primary !== 'string' || !nodeIds.includes(primary)) {
    throw new InvalidTopologyCommandError(`redisTopology: "primary" must be one of ${nodeIds.join(', ')}`);
  }
  if (typeof reason !== 'string' || reason.length > MAX_TOPOLOGY_REASON_LENGTH) {
    throw new InvalidTopologyCommandError(
      `redisTopology: "reason" must be a string of at most ${MAX_TOPOLOGY_REASON_LENGTH} characters`,
    );
  }
  return { op: 'redisTopology', expectEpoch, primary, reason };
}

/** The replicated register: the current topology and the compare-and-set that changes it. */
export class TopologyRegister {
  private value: RedisTopology;

  constructor(readonly nodeIds: readonly string[]) {
    this.value = initialTopology(nodeIds);
  }

  get current(): RedisTopology {
    return this.value;
  }

  apply(command: TopologyCommand): TopologyResult {
    if (command.expectEpoch !== this.value.epoch) return { status: 'stale', topology: this.value };
    this.value = withPrimary(this.nodeIds, command.expectEpoch + 1, command.primary);
    return { status: 'changed', topology: this.value };
  }

  /** Restores a snapshot's value; one that names other nodes than the configuration is refused. */
  restore(topology: RedisTopology): void {
    if (!Number.isSafeInteger(topology.epoch) || topology.epoch < 0 || !this.nodeIds.includes(topology.primary)) {
      throw new InvalidTopologyCommandError(
        `snapshot topology ${JSON.stringify(topology)} does not fit the configured Redis nodes ${this.nodeIds.join(', ')}`,
      );
    }
    this.value = withPrimary(this.nodeIds, topology.epoch, topology.primary);
  }

  reset(): void {
    this.value = initialTopology(this.nodeIds);
  }
}

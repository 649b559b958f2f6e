import type { ChaosCluster } from './chaos-cluster.js';
import { ROLES } from './chaos-cluster.js';
import { affectedNodes, bridge, deafen, isolate, type Drop, type Partitioner } from './partitions.js';
import type { FaultKind, FaultStep } from './schedule.js';
import type { FaultWindow, Role } from './workloads/workload-types.js';

// Carries out the schedule against the running cluster: resolves each step's
// targets when it fires, injects the fault, waits its duration, heals it, and
// records a FaultWindow (recorder clock) for the checkers and the report.

export interface AppliedFault extends FaultWindow {
  readonly step: number;
  readonly kind: FaultKind;
  /** What exactly was done, e.g. 'SIGKILL lock@vm2 (leader), restart after 3.2 s'. */
  readonly action: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();

export class Nemesis {
  readonly applied: AppliedFault[] = [];
  /** performance.now() at the start of the run: the log shows offsets from it. */
  private t0 = 0;

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly partitioner: Partitioner,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs every step at its offset from `startedAt` (Date.now()); stops early when `stop()` says so. */
  async run(steps: readonly FaultStep[], startedAt: number, stop: () => boolean): Promise<void> {
    this.t0 = now() - (Date.now() - startedAt);
    for (const step of steps) {
      const wait = startedAt + step.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (stop()) return;
      await this.inject(step);
    }
  }

  private pickOf<T>(items: readonly T[], pick: number, salt = 0): T {
    return items[Math.floor(((pick * (salt + 1) * 7919) % 1) * items.length)] ?? items[0]!;
  }

  private async inject(step: FaultStep): Promise<void> {
    const nodes = this.cluster.nodes;
    const node = this.pickOf(nodes, step.pick, 0);
    const role = this.pickOf(ROLES, step.pick, 1);
    const other = this.pickOf(
      nodes.filter((n) => n !== node),
      step.pick,
      2,
    );
    switch (step.kind) {
      case 'kill-lock-leader': {
        const leader = (await this.cluster.lockLeader()) ?? node;
        return this.killAndRestart(step, 'lock', leader, '(leader)');
      }
      case 'kill-daemon':
        return this.killAndRestart(step, role, node, '');
      case 'pause-daemon':
        return this.pause(step, role, node);
      case 'isolate-lock-leader': {
        const leader = (await this.cluster.lockLeader()) ?? node;
        return this.partition(step, isolate(leader, nodes), `isolate ${leader} (lock leader)`);
      }
      case 'isolate-node':
        return this.partition(step, isolate(node, nodes), `isolate ${node} (minority) from the majority`);
      case 'bridge':
        return this.partition(step, bridge(node, nodes), `bridge through ${node}`);
      case 'one-way':
        return this.partition(step, deafen(node, nodes), `${node} hears nobody (one-way)`);
      case 'redis-primary-kill':
        return this.killRedisPrimary(step);
      case 'kill-and-partition':
        return this.killAndPartition(step, role, node, other);
    }
  }

  private record(
    step: FaultStep,
    nodes: readonly string[],
    roles: readonly Role[],
    start: number,
    action: string,
  ): void {
    const fault: AppliedFault = {
      step: step.index,
      kind: step.kind,
      nodes: [...nodes],
      roles: [...roles],
      start,
      end: now(),
      action,
    };
    this.applied.push(fault);
    this.log(
      `nemesis #${step.index} ${step.kind}: ${action} [${((fault.start - this.t0) / 1000).toFixed(1)} s .. ${((fault.end - this.t0) / 1000).toFixed(1)} s]`,
    );
  }

  private async killAndRestart(step: FaultStep, role: Role, node: string, note: string): Promise<void> {
    const daemon = this.cluster.daemon(role, node);
    const start = now();
    await daemon.kill();
    await sleep(step.durationMs);
    daemon.start();
    this.record(
      step,
      [node],
      [role],
      start,
      `SIGKILL ${role}@${node}${note ? ` ${note}` : ''}, restarted after ${(step.durationMs / 1000).toFixed(1)} s`,
    );
  }

  private async pause(step: FaultStep, role: Role, node: string): Promise<void> {
    const daemon = this.cluster.daemon(role, node);
    const start = now();
    daemon.signal('SIGSTOP');
    await sleep(step.durationMs);
    daemon.signal('SIGCONT');
    this.record(
      step,
      [node],
      [role],
      start,
      `SIGSTOP ${role}@${node} for ${(step.durationMs / 1000).toFixed(1)} s, then SIGCONT`,
    );
  }

  private async partition(step: FaultStep, drops: readonly Drop[], what: string): Promise<void> {
    const start = now();
    await this.partitioner.apply(drops);
    await sleep(step.durationMs);
    await this.partitioner.heal();
    this.record(step, affectedNodes(drops), ROLES, start, `${what} for ${(step.durationMs / 1000).toFixed(1)} s`);
  }

  private async killRedisPrimary(step: FaultStep): Promise<void> {
    const primary = (await this.cluster.redisPrimary()) ?? this.cluster.nodes[0]!;
    const redis = this.cluster.redisServer(primary);
    const start = now();
    await redis.kill();
    await sleep(step.durationMs);
    const promoted = await this.cluster.redisPrimary();
    redis.start();
    // Redis itself is the fault: no daemon lost state, so no node's cache ops are excused.
    this.record(
      step,
      [],
      [],
      start,
      `SIGKILL redis primary on ${primary}; the lock leader promoted ${promoted === primary ? 'nobody (!)' : (promoted ?? '? (no lock node answered)')}; old primary restarted after ${(step.durationMs / 1000).toFixed(1)} s`,
    );
  }

  private async killAndPartition(step: FaultStep, role: Role, node: string, other: string): Promise<void> {
    const daemon = this.cluster.daemon(role, node);
    const drops = isolate(other, this.cluster.nodes);
    const start = now();
    await daemon.kill();
    await this.partitioner.apply(drops);
    await sleep(step.durationMs);
    await this.partitioner.heal();
    daemon.start();
    const end = now();
    const seconds = (step.durationMs / 1000).toFixed(1);
    // Two windows: the killed daemon loses its own role's state; the isolated node loses contact in every role.
    const faults: AppliedFault[] = [
      {
        step: step.index,
        kind: step.kind,
        nodes: [node],
        roles: [role],
        start,
        end,
        action: `SIGKILL ${role}@${node}, restarted after ${seconds} s`,
      },
      {
        step: step.index,
        kind: step.kind,
        nodes: [other],
        roles: ROLES,
        start,
        end,
        action: `isolate ${other} for ${seconds} s`,
      },
    ];
    this.applied.push(...faults);
    this.log(
      `nemesis #${step.index} ${step.kind}: ${faults.map((f) => f.action).join(' and ')} [${((start - this.t0) / 1000).toFixed(1)} s .. ${((end - this.t0) / 1000).toFixed(1)} s]`,
    );
  }

  /** Heals whatever a stopped run left: rules removed, paused processes continued, dead ones started. */
  async healAll(): Promise<void> {
    await this.partitioner.heal();
    for (const node of this.cluster.nodes) {
      for (const role of ROLES) {
        const d = this.cluster.daemon(role, node);
        d.signal('SIGCONT');
        if (!d.running) d.start();
      }
      if (!this.cluster.redisServer(node).running) this.cluster.redisServer(node).start();
    }
  }
}

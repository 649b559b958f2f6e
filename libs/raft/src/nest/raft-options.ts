import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { StateMachine } from '../driver/state-machine.js';

export const RAFT_MODULE_OPTIONS = Symbol('RAFT_MODULE_OPTIONS');
/** The RaftNode of this process. */
export const RAFT_NODE = Symbol('RAFT_NODE');

export interface RaftModuleOptions {
  readonly id: string;
  /** Every voting member, this node included (the peers of PeerClients plus self). */
  readonly members: readonly string[];
  /** Directory of this node's WAL and snapshots. */
  readonly dataDir: string;
  readonly stateMachine: StateMachine;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly proposalTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly snapshotEntries?: number;
  /** Hand leadership over on graceful stop (default true); how long to wait for it. */
  readonly transferOnShutdown?: boolean;
  readonly transferTimeoutMs?: number;
}

export interface RaftModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  useFactory: (...args: never[]) => RaftModuleOptions | Promise<RaftModuleOptions>;
}

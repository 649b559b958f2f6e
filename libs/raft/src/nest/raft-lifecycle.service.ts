import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { RaftNode } from '../driver/raft-node.js';
import { RAFT_MODULE_OPTIONS, RAFT_NODE, type RaftModuleOptions } from './raft-options.js';

/** Default wait for a leadership hand-over on graceful stop. */
export const RAFT_TRANSFER_TIMEOUT_MS = 3000;

/**
 * Starts the node once the app is up (peers can reach us), hands leadership
 * over before a graceful stop so clients see at most one retry, then stops it.
 */
@Injectable()
export class RaftLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Raft');

  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    @Inject(RAFT_MODULE_OPTIONS) private readonly options: RaftModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.node.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.options.transferOnShutdown === false || !this.node.isLeader) return;
    const moved = await this.node.transferLeadership(this.options.transferTimeoutMs ?? RAFT_TRANSFER_TIMEOUT_MS);
    this.logger.log(
      moved ? `leadership handed to ${this.node.leader}` : 'leadership hand-over timed out; stopping anyway',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.node.stop();
  }
}

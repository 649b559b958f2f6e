import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PeerEvents } from '@dss/transport';
import type { LockOp } from './lock-response.js';
import { LockService } from './lock.service.js';

const OPS: readonly unknown[] = [
  'acquire',
  'release',
  'renew',
  'acquireSet',
  'releaseSet',
  'renewSet',
  'read',
] satisfies readonly LockOp[];

function isLockOp(op: unknown): op is LockOp {
  return OPS.includes(op);
}

/**
 * Requests forwarded by followers to this node as the leader they believe in.
 * They take the transport's direct path, not Nest's microservice pipeline: two
 * requests in three reach a follower first, and on one client the pipeline's
 * routing, RxJS and guards sat on every such request's critical path, on the
 * leader's busy loop (docs/benchmarks.md, locks).
 */
@Injectable()
export class LockForwards implements OnModuleInit {
  constructor(
    private readonly events: PeerEvents,
    private readonly locks: LockService,
  ) {}

  onModuleInit(): void {
    this.events.answer('lock.forward', (request) => {
      // The peer is authenticated, not trusted to be bug-free: a malformed request is not served.
      const op: unknown = typeof request === 'object' && request !== null ? request.op : undefined;
      if (!isLockOp(op)) return { notLeader: true as const, leader: this.locks.leader };
      return this.locks.handleForwarded(op, request.body);
    });
  }
}

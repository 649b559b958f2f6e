import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PeerEvents } from '@dss/transport';
import type { LockOp } from './lock-response.js';
import { LockService } from './lock.service.js';

// A record over LockOp, not a list: a new op that is not added here fails to compile
// instead of every forwarded request of it being refused as "not the leader".
const OPS: Readonly<Record<LockOp, true>> = {
  acquire: true,
  release: true,
  renew: true,
  acquireSet: true,
  releaseSet: true,
  renewSet: true,
  read: true,
  list: true,
};

function isLockOp(op: unknown): op is LockOp {
  return typeof op === 'string' && Object.hasOwn(OPS, op);
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

import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { LockOp } from './lock-response.js';
import { LockService } from './lock.service.js';

const OPS: readonly LockOp[] = ['acquire', 'release', 'renew', 'read'];

/** Requests forwarded by followers to this node as the leader they believe in. */
@Controller()
export class LockPeerController {
  constructor(private readonly locks: LockService) {}

  @MessagePattern('lock.forward')
  forward(@Payload() request: { op: LockOp; body: unknown }) {
    if (!OPS.includes(request?.op)) return { notLeader: true as const, leader: this.locks.leader };
    return this.locks.handleForwarded(request.op, request.body);
  }
}

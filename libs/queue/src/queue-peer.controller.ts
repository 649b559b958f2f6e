import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { QueueService, type QueueOp } from './queue.service.js';

/** Topic requests forwarded by peers to this node as the topic's owner. */
@Controller()
export class QueuePeerController {
  constructor(private readonly queue: QueueService) {}

  @MessagePattern('queue.forward')
  forward(@Payload() request: { op: QueueOp; body: unknown }) {
    return this.queue.handleForwarded(request?.op, request?.body);
  }
}

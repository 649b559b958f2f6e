import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { PeerEvents } from '@dss/transport';
import { isMessage } from '../core/message-guard.js';
import type { Message } from '../core/messages.js';
import type { RaftNode } from '../driver/raft-node.js';
import { RAFT_NODE } from './raft-options.js';

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerEventContract {
    /** A batch of Raft messages for one peer, in send order. */
    'raft.messages': Message[];
  }
}

/** Feeds Raft messages from peers into the node; anything malformed is dropped. */
@Injectable()
export class RaftPeerReceiver implements OnModuleInit {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    private readonly events: PeerEvents,
  ) {}

  onModuleInit(): void {
    this.events.on('raft.messages', (batch) => this.receive(batch));
  }

  receive(batch: unknown): void {
    if (!Array.isArray(batch)) return;
    for (const m of batch) if (isMessage(m)) this.node.step(m);
  }
}

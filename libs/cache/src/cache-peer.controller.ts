import { Controller, type OnModuleInit } from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { PeerEvents } from '@dss/transport';
import {
  CacheDirectory,
  HOLDINGS_PAGE,
  HOLDINGS_SETTLE_MS,
  viewKey,
  type HoldingsPage,
} from './cache-directory.service.js';
import { CacheLines } from './cache-lines.service.js';
import { CacheMembership, type Reports } from './cache-membership.service.js';
import type { UnblockMessage } from './coherence-router.js';
import { CoherenceView } from './coherence-view.service.js';
import { HomeClient } from './home-client.service.js';

/** A well-formed unblock (the peer is authenticated, not trusted to be bug-free). */
function isUnblock(m: unknown): m is UnblockMessage {
  if (typeof m !== 'object' || m === null) return false;
  const { key, txn, from } = m as Record<string, unknown>;
  return typeof key === 'string' && typeof txn === 'string' && typeof from === 'string';
}

/** Coherence traffic from the other cache nodes. */
@Controller()
export class CachePeerController implements OnModuleInit {
  constructor(
    private readonly events: PeerEvents,
    private readonly membership: CacheMembership,
    private readonly directory: CacheDirectory,
    private readonly lines: CacheLines,
    private readonly view: CoherenceView,
    private readonly homes: HomeClient,
  ) {}

  @MessagePattern('cache.ping')
  ping(@Payload() msg: { from: string; reports?: Reports }) {
    return this.membership.answerPing(msg?.from, msg?.reports);
  }

  /**
   * The coherence traffic proper (requests to a home, forwards from it, unblocks)
   * takes the transport's direct path, not Nest's pipeline: a write or a miss costs
   * several of these, and the pipeline's routing, RxJS and guards cost more than
   * the handlers (profiled under the 90/10 benchmark, docs/benchmarks.md).
   */
  onModuleInit(): void {
    this.events.answer('cache.request', (msg) => this.directory.handleRequest(msg));
    this.events.answer('cache.forward', (msg) => this.lines.handleForward(msg));
    this.events.on('cache.unblock', (msg) => {
      if (isUnblock(msg)) this.directory.handleUnblock(msg);
    });
  }

  @MessagePattern('cache.holdings')
  async holdings(@Payload() msg: { from: string; view: string[]; offset: number }): Promise<HoldingsPage> {
    this.membership.heard(msg.from);
    // A snapshot for a home that sees other live nodes than this one would be for the wrong directory.
    if (viewKey(msg.view) !== viewKey(this.membership.alive))
      throw new RpcException(
        `views differ: ${msg.from} sees ${viewKey(msg.view)}, ${this.membership.self} sees ${viewKey(this.membership.alive)}`,
      );
    // Let transactions that this node started (or runs as the old home) on the
    // asker's keys finish first, so that the snapshot includes their outcome.
    if (msg.offset === 0) {
      const until = performance.now() + HOLDINGS_SETTLE_MS;
      while (
        (this.directory.busyFor(msg.from, msg.view) || this.homes.waitingElsewhere(msg.from, msg.view)) &&
        performance.now() < until
      ) {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const all = this.lines.holdings(msg.from, msg.view).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { node: this.membership.self, lines: all.slice(msg.offset, msg.offset + HOLDINGS_PAGE), total: all.length };
  }

  @MessagePattern('cache.peek')
  peek(@Payload() msg: { key: string }) {
    return this.view.local(msg.key);
  }
}

import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LockStateMachine } from './lock-state-machine.js';
import type { LockEvent } from './state/lock-commands.js';

export type WaitOutcome = Extract<LockEvent, { type: 'granted' } | { type: 'waitEnded' }>;

/** How long an outcome nobody has claimed yet is kept (the request may still be on its way to claim it). */
const UNCLAIMED_TTL_MS = 120_000;

/**
 * Parks blocking acquires until their waiter is granted or times out. Outcomes
 * come from applied entries on this node; one can be applied in the same batch
 * as the acquire that queued it, before the request gets to wait for it, so
 * outcomes are kept until claimed.
 */
@Injectable()
export class LockWaits implements OnModuleInit, OnModuleDestroy {
  private readonly waiting = new Map<number, (o: WaitOutcome) => void>();
  private readonly unclaimed = new Map<number, { outcome: WaitOutcome; at: number }>();
  private unsubscribe?: () => void;
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly machine: LockStateMachine) {}

  onModuleInit(): void {
    this.unsubscribe = this.machine.subscribe({ onEvents: (events) => events.forEach((e) => this.onEvent(e)) });
    this.sweeper = setInterval(() => this.sweep(), UNCLAIMED_TTL_MS / 4);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    clearInterval(this.sweeper);
  }

  /** Resolves with the waiter's outcome, or null after `timeoutMs`. */
  wait(waitId: number, timeoutMs: number): Promise<WaitOutcome | null> {
    const done = this.unclaimed.get(waitId);
    if (done) {
      this.unclaimed.delete(waitId);
      return Promise.resolve(done.outcome);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(waitId);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(waitId, (o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  private onEvent(e: LockEvent): void {
    if (e.type !== 'waitEnded' && !(e.type === 'granted' && e.waitId !== null)) return;
    const waitId = e.waitId!;
    const parked = this.waiting.get(waitId);
    if (parked) {
      this.waiting.delete(waitId);
      parked(e);
    } else {
      this.unclaimed.set(waitId, { outcome: e, at: Date.now() });
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - UNCLAIMED_TTL_MS;
    for (const [id, u] of this.unclaimed) if (u.at < cutoff) this.unclaimed.delete(id);
  }
}

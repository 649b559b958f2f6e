import { Injectable } from '@nestjs/common';
import type { ConsumedMessage } from './storage/queue-types.js';

/** What a waiting consumer would take if a publish handed it messages directly. */
export interface Appetite {
  readonly max: number;
  readonly visibilityMs: number;
}

/** How a wait ended: nobody came, something may be ready (look again), or a publish handed messages over. */
export type WaitEnd =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'signal' }
  | { readonly kind: 'handoff'; readonly messages: readonly ConsumedMessage[] };

/**
 * A waiter a publish took out of the line: `hand` ends its wait with what the
 * publish took for it, or, given nothing, wakes it to look for itself. Call it
 * exactly once.
 */
export interface Claim extends Appetite {
  hand(messages: readonly ConsumedMessage[]): void;
}

interface Waiter {
  readonly appetite?: Appetite;
  end(e: WaitEnd): void;
  /** Stops the timeout: a claimed waiter ends only when handed its messages. */
  disarm(): void;
}

const SIGNAL: WaitEnd = { kind: 'signal' };
const TIMEOUT: WaitEnd = { kind: 'timeout' };

/** Wakes long-polling consumers of a topic when messages may have become ready, or hands them messages. */
@Injectable()
export class TopicSignals {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** Ends after `timeoutMs` at the latest; with an appetite, a publish may claim this waiter (see claim). */
  wait(topic: string, timeoutMs: number, appetite?: Appetite): Promise<WaitEnd> {
    return new Promise((resolve) => {
      const set = this.waiters.get(topic) ?? new Set();
      this.waiters.set(topic, set);
      const waiter: Waiter = {
        appetite,
        end: (e) => {
          clearTimeout(timer);
          this.leave(topic, set, waiter);
          resolve(e);
        },
        disarm: () => clearTimeout(timer),
      };
      const timer = setTimeout(() => waiter.end(TIMEOUT), timeoutMs);
      set.add(waiter);
    });
  }

  /**
   * Wakes up to `count` waiters of `topic`, longest waiting first: as many as
   * there are new messages, so one publish does not wake every consumer only
   * for all but one to find nothing (a thundering herd of Redis calls).
   * Returns how many it woke.
   */
  signal(topic: string, count = Number.POSITIVE_INFINITY): number {
    const set = this.waiters.get(topic);
    if (!set) return 0;
    let woken = 0;
    for (const waiter of [...set]) {
      if (woken >= count) break;
      woken++;
      waiter.end(SIGNAL);
    }
    return woken;
  }

  /**
   * Takes the longest-waiting waiter of `topic` that has an appetite out of
   * the line (nothing else can wake it or time it out), for a publish to hand
   * its messages to. Undefined when there is none.
   */
  claim(topic: string): Claim | undefined {
    const set = this.waiters.get(topic);
    if (!set) return undefined;
    for (const waiter of set) {
      const appetite = waiter.appetite;
      if (!appetite) continue;
      waiter.disarm();
      this.leave(topic, set, waiter);
      return {
        ...appetite,
        hand: (messages) => waiter.end(messages.length > 0 ? { kind: 'handoff', messages } : SIGNAL),
      };
    }
    return undefined;
  }

  waitingOn(topic: string): number {
    return this.waiters.get(topic)?.size ?? 0;
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  private leave(topic: string, set: Set<Waiter>, waiter: Waiter): void {
    set.delete(waiter);
    if (set.size === 0 && this.waiters.get(topic) === set) this.waiters.delete(topic);
  }
}

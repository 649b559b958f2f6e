import { Injectable } from '@nestjs/common';

/** Wakes long-polling consumers of a topic when messages may have become ready. */
@Injectable()
export class TopicSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves true when signalled, false after `timeoutMs`. */
  wait(topic: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiters.get(topic) ?? new Set();
      this.waiters.set(topic, set);
      const wake = () => {
        clearTimeout(timer);
        done(true);
      };
      const done = (signalled: boolean) => {
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(topic);
        resolve(signalled);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(wake);
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
    for (const wake of [...set]) {
      if (woken >= count) break;
      woken++;
      wake();
    }
    return woken;
  }

  waitingOn(topic: string): number {
    return this.waiters.get(topic)?.size ?? 0;
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

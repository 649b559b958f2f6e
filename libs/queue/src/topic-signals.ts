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

  signal(topic: string): void {
    const set = this.waiters.get(topic);
    if (set) for (const wake of [...set]) wake();
  }

  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

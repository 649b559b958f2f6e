// Test helper (not exported): wires a few cores together by hand, delivering
// every message synchronously, with optional one-way drops.
import type { Message } from './messages.js';
import { RaftCore } from './raft-core.js';
import type { RaftOptions } from './config.js';
import type { Ready } from './ready.js';

export const PEERS = ['a', 'b', 'c'] as const;

/** random() = 0 makes every election timeout exactly electionTicks. */
export function makeCore(id: string, opts: Partial<RaftOptions> = {}): RaftCore {
  return new RaftCore({ id, peers: [...PEERS], random: () => 0, ...opts });
}

/** Handles one Ready the trivial way (nothing to persist in these tests). */
export function take(core: RaftCore): Ready {
  const rd = core.ready();
  core.advance(rd);
  return rd;
}

export class Wire {
  readonly cores = new Map<string, RaftCore>();
  readonly sent: Message[] = [];
  private readonly drops = new Set<string>();

  constructor(cores: RaftCore[]) {
    for (const c of cores) this.cores.set(c.id, c);
  }

  get(id: string): RaftCore {
    const c = this.cores.get(id);
    if (c === undefined) throw new Error(`no core ${id}`);
    return c;
  }

  drop(from: string, to: string): void {
    this.drops.add(`${from}>${to}`);
  }

  isolate(id: string): void {
    for (const other of this.cores.keys()) {
      if (other !== id) {
        this.drop(id, other);
        this.drop(other, id);
      }
    }
  }

  heal(): void {
    this.drops.clear();
  }

  /** Delivers until no core has anything more to say. */
  flush(): void {
    for (let round = 0; round < 10000; round++) {
      let moved = false;
      for (const core of this.cores.values()) {
        if (!core.hasReady()) continue;
        for (const m of take(core).messages) {
          this.sent.push(m);
          moved = true;
          if (!this.drops.has(`${m.from}>${m.to}`)) this.cores.get(m.to)?.step(m);
        }
      }
      if (!moved) return;
    }
    throw new Error('wire: messages never quiesce');
  }

  /** Ticks `id` until it campaigns (election timeout = electionTicks), then delivers. */
  elect(id: string, electionTicks = 10): void {
    for (let i = 0; i < electionTicks; i++) this.get(id).tick();
    this.flush();
  }

  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const c of this.cores.values()) c.tick();
      this.flush();
    }
  }
}

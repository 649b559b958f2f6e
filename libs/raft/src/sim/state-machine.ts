// The tiny state machine of the simulation: the ordered list of applied commands.
// Its snapshot is the list itself, so the checker can compare what each node applied.
import type { Entry, Snapshot } from '../core/index.js';

export interface AppliedCommand {
  readonly index: number;
  readonly data: string;
}

export class ListStateMachine {
  lastApplied = 0;
  private cmds: AppliedCommand[] = [];
  private readonly byIndex = new Map<number, string>();

  apply(e: Entry): void {
    if (e.index !== this.lastApplied + 1) {
      throw new Error(`state machine: applied ${e.index} after ${this.lastApplied} (gap or repeat)`);
    }
    this.lastApplied = e.index;
    if (e.type === 'normal') {
      this.cmds.push({ index: e.index, data: e.data });
      this.byIndex.set(e.index, e.data);
    }
  }

  restore(s: Snapshot): void {
    this.cmds = ListStateMachine.decode(s.data);
    this.byIndex.clear();
    for (const c of this.cmds) this.byIndex.set(c.index, c.data);
    this.lastApplied = s.meta.index;
  }

  /** Image of the state up to lastApplied. */
  snapshotData(): string {
    return JSON.stringify(this.cmds.map((c) => [c.index, c.data]));
  }

  /** Command applied at `index` (undefined for no-ops and unapplied indexes). */
  commandAt(index: number): string | undefined {
    return this.byIndex.get(index);
  }

  commands(): readonly AppliedCommand[] {
    return this.cmds;
  }

  static decode(data: string): AppliedCommand[] {
    const raw = JSON.parse(data) as Array<[number, string]>;
    return raw.map(([index, d]) => ({ index, data: d }));
  }
}

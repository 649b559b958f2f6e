import type { Entry } from '../core/types.js';
import type { StateMachine } from '../driver/state-machine.js';

/** The simplest deterministic state machine: the list of applied commands. */
export class ListMachine implements StateMachine {
  items: string[] = [];

  apply(entry: Entry): unknown {
    this.items.push(entry.data);
    return this.items.length;
  }

  snapshot(): string {
    return JSON.stringify(this.items);
  }

  restore(data: string): void {
    this.items = JSON.parse(data) as string[];
  }
}

// Mode compatibility, shared by granting, promotion and the wait-for graph so the
// three can never disagree about what blocks what.
import type { LockMode } from './lock-commands.js';

/** Two holds (or a hold and a request) conflict unless both are shared. */
export function modesConflict(a: LockMode, b: LockMode): boolean {
  return a === 'exclusive' || b === 'exclusive';
}

/** Whether having `have` already gives what a request for `want` asks (exclusive implies shared). */
export function modeCovers(have: LockMode, want: LockMode): boolean {
  return have === 'exclusive' || want === 'shared';
}

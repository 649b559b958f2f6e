// The coherence invariants the simulation checks after every step:
// single-writer-multiple-readers over what the nodes hold, data-value (clean
// copies agree with memory while nobody holds M), and that every read returns
// the newest write at the instant it is answered.
import type { LocalResult } from '../cache-line.js';
import type { NodeId } from '../protocol-types.js';
import type { MesiSim, SimOp } from './mesi-sim.js';
import { NODES } from './sim-topology.js';

export class CoherenceViolation extends Error {
  override readonly name = 'CoherenceViolation';
}

function fail(what: string, where: string, sim: MesiSim, key: string): never {
  const lines = NODES.map((n) => `${n}=${JSON.stringify(sim.line(n, key))}`).join(' ');
  const dir = JSON.stringify(sim.dir(key));
  throw new CoherenceViolation(
    `${what} (after ${where}; ${key}: ${lines}; dir ${dir}; memory ${JSON.stringify(sim.memory.read(key))})`,
  );
}

/** The invariants that must hold between any two steps. */
export function checkKey(sim: MesiSim, key: string, where: string): void {
  const lines = NODES.map((n) => sim.line(n, key));
  for (const l of lines) {
    if ((l.value !== undefined) !== (l.held !== 'I'))
      fail('a line has data exactly when it holds M, E or S', where, sim, key);
    if (l.dirty && l.held !== 'M') fail('only an M line is dirty', where, sim, key);
  }
  const owners = lines.filter((l) => l.held === 'M' || l.held === 'E');
  if (owners.length > 1 || (owners.length === 1 && lines.some((l) => l.held === 'S')))
    fail('SWMR: one M/E holder alone, or only sharers', where, sim, key);
  if (lines.some((l) => l.held === 'M')) return;
  const mem = memoryValue(sim, key);
  for (const l of lines) {
    if ((l.held === 'S' || l.held === 'E') && l.value !== mem)
      fail(`data-value: a clean ${l.held} copy ${l.value} differs from memory's ${mem}`, where, sim, key);
  }
}

/**
 * Memory's value as readers will see it. A downgraded M owner turns into a
 * clean S at once and hands its dirty data to the home, which writes it to
 * memory before the transaction goes on (as in the textbook protocol, memory's
 * update is in flight at that moment). Until that write lands the home is
 * blocked, so nobody can read memory; the data owed counts as memory's.
 */
function memoryValue(sim: MesiSim, key: string): string | undefined {
  const txn = sim.dir(key).txn;
  if (txn?.phase.name === 'writing') return txn.handed?.value;
  return sim.dirtyReplyInFlight(key) ?? sim.memory.read(key).value;
}

const ANSWER_TO: Record<SimOp['kind'], LocalResult['op'] | undefined> = {
  load: 'read',
  store: 'write',
  modify: 'modify',
  delete: 'delete',
  evict: 'evict',
  flush: undefined,
};

/**
 * A read must return the newest write; a modify must have seen it (no write between its
 * read and its write); a delete reports whether there was a value, and which.
 */
export function checkAnswer(
  sim: MesiSim,
  node: NodeId,
  key: string,
  op: SimOp & { readonly modified?: { readonly seen?: string } },
  result: LocalResult,
): void {
  if (result.op !== ANSWER_TO[op.kind]) fail(`${node} answered ${op.kind} with ${result.op}`, 'answer', sim, key);
  const latest = sim.latest.get(key);
  if (result.op === 'read') {
    const got = result.found ? result.value : undefined;
    if (got !== latest)
      fail(
        `${node} read ${got} (${result.found ? result.source : 'not found'}) but the newest write is ${latest}`,
        'answer',
        sim,
        key,
      );
  }
  if (result.op === 'modify') {
    if (!op.modified) fail(`${node} answered a modify that never ran`, 'answer', sim, key);
    if (op.modified.seen !== latest)
      fail(`${node} modified ${op.modified.seen} but the newest write is ${latest}`, 'answer', sim, key);
  }
  if (result.op === 'delete' && result.existed !== (latest !== undefined))
    fail(`${node} delete said existed=${result.existed} but the newest write is ${latest}`, 'answer', sim, key);
  if (result.op === 'delete' && result.value !== latest)
    fail(`${node} delete removed ${result.value} but the newest write is ${latest}`, 'answer', sim, key);
}

/** Nothing in flight: the directory is idle and records exactly who holds the line. */
export function checkQuiescent(sim: MesiSim, key: string): void {
  const entry = sim.dir(key);
  if (entry.txn || entry.queue.length > 0)
    fail('a transaction is left open with nothing in flight', 'quiescence', sim, key);
  const holding = (states: string): NodeId[] => NODES.filter((n) => states.includes(sim.line(n, key).held));
  if (NODES.some((n) => sim.line(n, key).pending)) fail('a local op is left pending', 'quiescence', sim, key);
  const owner = holding('ME')[0];
  // A modify that found no value and wrote none leaves its node Invalid while the directory
  // names it owner: an over-count, which is safe (the next request's forward finds nothing).
  const overCounted = owner === undefined && entry.owner !== undefined && sim.line(entry.owner, key).held === 'I';
  if ((entry.owner !== owner && !overCounted) || entry.sharers.join() !== holding('S').join())
    fail('the directory disagrees with what the nodes hold', 'quiescence', sim, key);
}

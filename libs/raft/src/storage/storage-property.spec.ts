// Property: any sequence of appends, overwrites, hard-state changes and snapshots, issued
// in concurrent bursts and interleaved with restarts, reads back exactly as a trivial
// in-memory model says, from both the file storage and the memory storage.
import fc from 'fast-check';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { FileRaftStorage } from './file-raft-storage.js';
import { MemoryRaftStorage, MemoryStorageDisk } from './memory-raft-storage.js';
import type { RaftStorage, RecoveredState } from './raft-storage.js';
import { makeTempDir, removeDir } from './storage-test-kit.js';

interface Model {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the snapshot index. */
  entries: Entry[];
}

interface Op {
  readonly kind: 'append' | 'hard-state' | 'snapshot';
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

interface Burst {
  readonly ops: readonly Op[];
  readonly restartAfter: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<Op['kind']>('append', 'append', 'append', 'hard-state', 'snapshot'),
  a: fc.nat(1000),
  b: fc.nat(1000),
  c: fc.nat(1000),
});
const burstsArb: fc.Arbitrary<Burst[]> = fc.array(
  fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 4 }), restartAfter: fc.boolean() }),
  { minLength: 1, maxLength: 12 },
);

const snapIndex = (m: Model) => m.snapshot?.meta.index ?? 0;
const lastIndex = (m: Model) => snapIndex(m) + m.entries.length;
function termAt(m: Model, i: number): number | undefined {
  if (i === snapIndex(m)) return m.snapshot?.meta.term ?? 0;
  return m.entries[i - snapIndex(m) - 1]?.term;
}

/** Turns an abstract op into a valid call, applies it to the model, and returns the call. */
function interpret(m: Model, op: Op, seq: number): (s: RaftStorage) => Promise<void> {
  const si = snapIndex(m);
  const li = lastIndex(m);
  if (op.kind === 'append') {
    const from = si + 1 + (op.a % (li - si + 1));
    const count = op.b % 5;
    const term = (termAt(m, from - 1) ?? 0) + (op.c % 3 === 0 ? 1 : 0);
    const batch: Entry[] = Array.from({ length: count }, (_, k) => ({
      index: from + k,
      term,
      type: k % 3 === 2 ? 'noop' : 'normal',
      data: `op${seq}-${k}`,
    }));
    const hs =
      op.c % 4 === 0
        ? { term: Math.max(m.hardState.term, term), vote: m.hardState.vote, commit: op.b % (li + 1) }
        : undefined;
    if (hs && hs.term > m.hardState.term) hs.vote = null;
    if (count > 0) m.entries = [...m.entries.slice(0, from - si - 1), ...batch];
    if (hs) m.hardState = hs;
    return (s) => s.append(batch, hs);
  }
  if (op.kind === 'hard-state') {
    const term = m.hardState.term + (op.a % 2);
    const candidate = op.b % 2 === 0 ? `n${op.b % 3}` : null;
    const vote = term > m.hardState.term ? candidate : (m.hardState.vote ?? candidate);
    const hs: HardState = { term, vote, commit: op.c % (li + 1) };
    m.hardState = hs;
    return (s) => s.append([], hs);
  }
  const index = Math.max(1, si + (op.a % (li - si + 3)));
  const term = index === si ? termAt(m, si)! : (termAt(m, index) ?? termAt(m, li)!) + (op.c % 3 === 0 ? 1 : 0);
  const snap: Snapshot = { meta: { index, term, peers: [`p${op.b % 4}`] }, data: `image-${seq}` };
  m.entries = termAt(m, index) === term ? m.entries.slice(index - si) : [];
  m.snapshot = snap;
  return (s) => s.saveSnapshot(snap);
}

function expectMatches(state: RecoveredState, m: Model): void {
  expect(state.hardState).toEqual(m.hardState);
  expect(state.snapshot).toEqual(m.snapshot);
  expect(state.entries).toEqual(m.entries);
}

describe('storage property: equals a simple model across bursts and restarts', () => {
  it('file and memory storage agree with the model', async () => {
    await fc.assert(
      fc.asyncProperty(burstsArb, fc.integer({ min: 150, max: 600 }), async (bursts, segmentBytes) => {
        const dir = await makeTempDir();
        const disk = new MemoryStorageDisk();
        const newFile = () => new FileRaftStorage({ dir, segmentBytes, logger: () => undefined });
        let file = newFile();
        let mem = new MemoryRaftStorage(disk);
        try {
          await file.open();
          await mem.open();
          const m: Model = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
          let seq = 0;
          for (const burst of bursts) {
            const calls = burst.ops.map((op) => interpret(m, op, seq++));
            await Promise.all(calls.flatMap((call) => [call(file), call(mem)]));
            if (burst.restartAfter) {
              await file.close();
              file = newFile();
              mem = new MemoryRaftStorage(disk);
              expectMatches(await file.open(), m);
              expectMatches(await mem.open(), m);
            }
          }
          await file.close();
          const last = newFile();
          expectMatches(await last.open(), m);
          await last.close();
        } finally {
          await file.close().catch(() => undefined);
          await removeDir(dir);
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});

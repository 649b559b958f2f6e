import { RaftLog } from './raft-log.js';
import type { Entry } from './types.js';

const ents = (from: number, terms: number[]): Entry[] =>
  terms.map((term, i) => ({ index: from + i, term, type: 'normal', data: `${from + i}` }));

describe('RaftLog', () => {
  it('findConflictByTerm returns the last index whose term is not above the given one', () => {
    const log = new RaftLog(null, ents(1, [1, 1, 2, 2, 2, 4, 4]), 0, 0);
    expect(log.findConflictByTerm(7, 3)).toEqual({ index: 5, term: 2 });
    expect(log.findConflictByTerm(7, 4)).toEqual({ index: 7, term: 4 });
    expect(log.findConflictByTerm(4, 1)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(7, 0)).toEqual({ index: 0, term: 0 });
  });

  it('findConflictByTerm reports term 0 (unknown) inside the compacted prefix', () => {
    const snap = { meta: { index: 4, term: 3, peers: ['a'] }, data: '' };
    const log = new RaftLog(snap, ents(5, [5, 5]), 4, 4);
    expect(log.findConflictByTerm(6, 4)).toEqual({ index: 4, term: 3 });
    expect(log.findConflictByTerm(3, 1)).toEqual({ index: 3, term: 0 });
  });

  it('maybeAppend truncates only from the first conflicting entry and tracks what is unstable', () => {
    const log = new RaftLog(null, ents(1, [1, 1, 1, 1]), 1, 1);
    expect(log.unstableEntries()).toEqual([]);
    expect(log.maybeAppend(1, 1, 2, ents(2, [1, 2, 2]))).toBe(4);
    expect([2, 3, 4].map((i) => log.term(i))).toEqual([1, 2, 2]);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3, 4]);
    expect(log.committed).toBe(2);
    expect(log.maybeAppend(4, 9, 4, [])).toBeNull();
  });

  it('stableTo ignores an acknowledgement for an entry replaced since', () => {
    const log = new RaftLog(null, [], 0, 0);
    log.append(ents(1, [1, 1]));
    log.append(ents(2, [2]));
    log.stableTo(2, 1);
    expect(log.stable).toBe(0);
    log.stableTo(2, 2);
    expect(log.stable).toBe(2);
  });

  it('compaction keeps terms at the boundary and refuses unknown indexes', () => {
    const log = new RaftLog(null, ents(1, [1, 2, 3]), 3, 3);
    log.compact(2, 'img', ['a']);
    expect(log.firstIndex()).toBe(3);
    expect(log.term(2)).toBe(2);
    expect(log.term(1)).toBeUndefined();
    expect(log.slice(2)).toBeUndefined();
    expect(() => log.compact(9, 'x', ['a'])).toThrow(/not in the log/);
  });
});

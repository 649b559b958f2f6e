// The fenced-cache checker on hand-written timelines: each anomaly kind is caught, and the
// histories a correct fenced store produces pass.
import { checkFencedHistory } from './fence-checker.js';
import { HistoryBuilder } from './history-builder.js';

const w = (token: number, key = 'k') => ({ key, token });
const FENCED = { code: 'FENCED' };
const kinds = (h: HistoryBuilder) => checkFencedHistory(h.build()).anomalies.map((a) => a.kind);

describe('fenced cache history checker', () => {
  it('passes the paused-holder story: the late, lower token refused, reads see the higher one', () => {
    const h = new HistoryBuilder()
      .ok('a', 'write', w(1), [0, 10])
      .ok('b', 'write', w(2), [20, 30])
      .fail('a', 'write', w(1), [40, 50], FENCED)
      .ok('c', 'read', { key: 'k' }, [60, 70], { token: 2, fence: 2 });
    expect(checkFencedHistory(h.build())).toMatchObject({ ok: true, stats: { accepted: 2, refused: 1, reads: 1 } });
  });

  it('lets concurrent writes land in either order', () => {
    const h = new HistoryBuilder().ok('a', 'write', w(1), [0, 50]).ok('b', 'write', w(2), [10, 40]);
    expect(kinds(h)).toEqual([]);
  });

  it('catches a lower token acknowledged after a higher one', () => {
    const h = new HistoryBuilder().ok('b', 'write', w(2), [0, 10]).ok('a', 'write', w(1), [20, 30]);
    expect(kinds(h)).toEqual(['stale-write']);
    // On another key it is fine.
    expect(
      kinds(new HistoryBuilder().ok('b', 'write', w(2), [0, 10]).ok('a', 'write', w(1, 'other'), [20, 30])),
    ).toEqual([]);
  });

  it('catches a read older than an acknowledged write, a lost value, and a fence that disagrees', () => {
    const base = () => new HistoryBuilder().ok('a', 'write', w(3), [0, 10]);
    expect(kinds(base().ok('r', 'read', { key: 'k' }, [20, 30], { token: 2, fence: 2 }))).toEqual(['stale-read']);
    expect(kinds(base().ok('r', 'read', { key: 'k' }, [20, 30], null))).toEqual(['stale-read']);
    expect(kinds(base().ok('r', 'read', { key: 'k' }, [20, 30], { token: 3, fence: 1 }))).toEqual(['fence-mismatch']);
    expect(kinds(base().ok('r', 'read', { key: 'k' }, [5, 30], null))).toEqual([]);
  });

  it('catches a refusal no higher token explains; an unknown higher write explains one', () => {
    expect(
      kinds(new HistoryBuilder().ok('a', 'write', w(1), [0, 10]).fail('b', 'write', w(2), [20, 30], FENCED)),
    ).toEqual(['unjustified-refusal']);
    expect(
      kinds(new HistoryBuilder().unknown('b', 'write', w(5), [0, 100]).fail('a', 'write', w(2), [20, 30], FENCED)),
    ).toEqual([]);
  });
});

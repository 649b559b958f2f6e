import { HistoryBuilder } from './history-builder.js';
import { checkCounterHistory, formatCounterCheck, type CounterCheckResult } from './counter-checker.js';

/** One lock grant: read with the token at t, then write at t + 2 (ok unless `write` says otherwise). */
function iteration(
  b: HistoryBuilder,
  p: string,
  token: number,
  t: number,
  read: number,
  write: number | { value: number; outcome: 'fail' | 'unknown' },
): HistoryBuilder {
  b.ok(p, 'read', { token }, [t, t + 1], { value: read });
  if (typeof write === 'number') return b.ok(p, 'write', { token, value: write }, [t + 2, t + 3]);
  return write.outcome === 'fail'
    ? b.fail(p, 'write', { token, value: write.value }, [t + 2, t + 3], { error: 'fenced' })
    : b.unknown(p, 'write', { token, value: write.value }, [t + 2, t + 3]);
}

const kinds = (r: CounterCheckResult): string[] => r.anomalies.map((a) => a.kind);

describe('counter checker', () => {
  it('accepts a clean history with fenced, unknown and concurrent ops', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 10, 1, 2);
    // c's lease ran out after its read; d's newer token fenced c's write.
    iteration(b, 'c', 3, 20, 2, { value: 3, outcome: 'fail' });
    iteration(b, 'd', 4, 21, 2, { value: 3, outcome: 'unknown' });
    b.fail('c', 'read', { token: 3 }, [30, 31], { error: 'fenced' });
    iteration(b, 'a', 5, 40, 3, 4);
    b.ok('x', 'final', {}, [50, 51], { value: 4 });
    const result = checkCounterHistory(b.build());
    expect(formatCounterCheck(result)).toBe('');
    expect(result.ok).toBe(true);
    expect(result.stats).toEqual({ reads: 5, writesOk: 3, writesFenced: 1, writesUnknown: 1, final: 4 });
  });

  it('accepts a final value that only an unknown write stored', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 10, 1, { value: 2, outcome: 'unknown' });
    b.ok('x', 'final', {}, [50, 51], { value: 2 });
    expect(checkCounterHistory(b.build()).ok).toBe(true);
  });

  it('reports two acknowledged writes of the same value as a lost update', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 1, 0, 1);
    b.ok('x', 'final', {}, [50, 51], { value: 1 });
    const result = checkCounterHistory(b.build());
    expect(kinds(result)).toEqual(['lost-update']);
    expect(formatCounterCheck(result)).toContain('2 acknowledged writes stored 1 (tokens 1, 2)');
  });

  it('reports a write that is not one more than its read', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 10, 1, 3);
    const result = checkCounterHistory(b.build());
    expect(kinds(result)).toEqual(['lost-update']);
    expect(result.anomalies[0]?.message).toBe('token 2 read 1 but stored 3, not 2');
  });

  it('reports a higher value stored with a lower token', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 5, 0, 0, 1);
    iteration(b, 'b', 3, 10, 1, 2);
    const result = checkCounterHistory(b.build());
    expect(kinds(result)).toEqual(['token-order']);
    expect(result.anomalies[0]?.ops.map((o) => o.index)).toEqual([1, 3]);
  });

  it('reports a final value below an acknowledged write', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 10, 1, 2);
    b.ok('x', 'final', {}, [50, 51], { value: 1 });
    const result = checkCounterHistory(b.build());
    expect(kinds(result)).toEqual(['final-mismatch']);
    expect(result.anomalies[0]?.message).toContain('final value 1 is below 2');
  });

  it('reports a final value no write stored, and ignores a final concurrent with the last write', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    iteration(b, 'b', 2, 10, 1, { value: 2, outcome: 'fail' });
    b.ok('x', 'final', {}, [50, 51], { value: 2 });
    expect(kinds(checkCounterHistory(b.build()))).toEqual(['final-mismatch']);

    const concurrent = new HistoryBuilder();
    iteration(concurrent, 'a', 1, 0, 0, 1);
    concurrent.ok('x', 'final', {}, [1, 5], { value: 0 });
    expect(checkCounterHistory(concurrent.build()).ok).toBe(true);
  });

  it('reports a read of a value no write may have stored (yet)', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    b.ok('b', 'read', { token: 2 }, [10, 11], { value: 7 });
    // Read 2 before any write of 2 was invoked.
    b.ok('c', 'read', { token: 3 }, [20, 21], { value: 2 });
    b.unknown('c', 'write', { token: 4, value: 2 }, [30, 31]);
    const result = checkCounterHistory(b.build());
    expect(kinds(result)).toEqual(['phantom-read', 'phantom-read']);
    expect(result.anomalies.map((a) => a.ops[0]?.index)).toEqual([2, 3]);
  });

  it('reports an acknowledged write whose predecessor nobody wrote', () => {
    const b = new HistoryBuilder();
    iteration(b, 'a', 1, 0, 0, 1);
    b.ok('b', 'write', { token: 2, value: 5 }, [10, 11]);
    expect(kinds(checkCounterHistory(b.build()))).toEqual(['phantom-read']);
  });

  it('refuses malformed ops', () => {
    const h = new HistoryBuilder().ok('a', 'write', { value: 1 }, [0, 1]).build();
    expect(() => checkCounterHistory(h)).toThrow(/needs args \{token, value\}/);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryRecorder } from './history-recorder.js';
import { dumpHistory, fromJsonLines, readHistory } from './history-io.js';
import { formatOp } from './history-types.js';

function manualClock(): { clock: () => number; set: (t: number) => void } {
  let now = 0;
  return { clock: () => now, set: (t) => (now = t) };
}

describe('HistoryRecorder', () => {
  it('records invocations and completions with the injected clock', () => {
    const { clock, set } = manualClock();
    const rec = new HistoryRecorder(clock);
    set(1);
    const a = rec.invoke('p1', 'acquire', { resource: 'r', owner: 'a' });
    set(2);
    const b = rec.invoke(2, 'read', { key: 'k' });
    set(3);
    rec.complete(a, 'ok', { fencingToken: 7 });
    set(4);
    rec.unknown(b, 'timeout after 1000 ms');
    rec.invoke('p3', 'release', { resource: 'r', owner: 'a' });
    expect(rec.history()).toEqual([
      {
        index: 0,
        process: 'p1',
        op: 'acquire',
        args: { resource: 'r', owner: 'a' },
        invokedAt: 1,
        outcome: 'ok',
        completedAt: 3,
        value: { fencingToken: 7 },
      },
      {
        index: 1,
        process: '2',
        op: 'read',
        args: { key: 'k' },
        invokedAt: 2,
        outcome: 'unknown',
        completedAt: 4,
        reason: 'timeout after 1000 ms',
      },
      { index: 2, process: 'p3', op: 'release', args: { resource: 'r', owner: 'a' }, invokedAt: 4, outcome: 'pending' },
    ]);
  });

  it('uses a monotonic clock by default', () => {
    const rec = new HistoryRecorder();
    const h = rec.invoke('p', 'read', {});
    rec.complete(h, 'fail');
    const [op] = rec.history();
    expect(op?.completedAt).toBeGreaterThanOrEqual(op?.invokedAt ?? Infinity);
  });

  it('refuses to complete an operation twice or one it never saw', () => {
    const rec = new HistoryRecorder(() => 0);
    const h = rec.invoke('p', 'read', {});
    rec.complete(h, 'ok', 1);
    expect(() => rec.complete(h, 'fail')).toThrow(/already completed/);
    expect(() => rec.unknown({ index: 9 }, 'x')).toThrow(/no operation #9/);
  });

  it('copies arguments and values so later mutation cannot rewrite history', () => {
    const rec = new HistoryRecorder(() => 0);
    const args = { key: 'k', value: [1] };
    const h = rec.invoke('p', 'write', args);
    args.value.push(2);
    rec.complete(h, 'ok');
    expect(rec.history()[0]?.args).toEqual({ key: 'k', value: [1] });
  });

  it('tracks promises: resolved = ok, rejected = unknown (rethrown), or as classified', async () => {
    const rec = new HistoryRecorder(() => 0);
    await expect(rec.track('p', 'read', { key: 'k' }, async () => 'v')).resolves.toBe('v');
    await expect(
      rec.track('p', 'read', { key: 'k' }, async () => Promise.reject(new Error('ETIMEDOUT'))),
    ).rejects.toThrow('ETIMEDOUT');
    await rec.track(
      'p',
      'acquire',
      { resource: 'r' },
      async () => ({ status: 'locked' }),
      (s) =>
        s.status === 'fulfilled' && s.value.status === 'locked'
          ? { outcome: 'fail', value: s.value }
          : { outcome: 'unknown', reason: '?' },
    );
    expect(rec.history().map((op) => [op.outcome, op.value ?? op.reason])).toEqual([
      ['ok', 'v'],
      ['unknown', 'ETIMEDOUT'],
      ['fail', { status: 'locked' }],
    ]);
  });

  it('exports JSON lines that read back to the same history, and dumps them to a file', () => {
    const rec = new HistoryRecorder(() => 5);
    rec.complete(rec.invoke('p', 'write', { key: 'k', value: 1 }), 'ok');
    rec.unknown(rec.invoke('q', 'read', { key: 'k' }), 'reset');
    rec.invoke('r', 'read', { key: 'k' });
    const text = rec.toJsonLines();
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(fromJsonLines(text)).toEqual(rec.history());
    expect(() => fromJsonLines('{"index":0}')).toThrow(/line 1 is not a history op/);

    const dir = mkdtempSync(join(tmpdir(), 'dss-history-'));
    try {
      const path = rec.dump(join(dir, 'nested', 'run.jsonl'));
      expect(readFileSync(path, 'utf8')).toBe(text);
      const dumped = dumpHistory(rec.history(), 'lock test/1', dir);
      expect(dumped).toMatch(/lock_test_1-\d+\.jsonl$/);
      expect(readHistory(dumped)).toEqual(rec.history());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats an op on one line with its times', () => {
    const rec = new HistoryRecorder(() => 1.5);
    rec.complete(rec.invoke('p', 'read', { key: 'k' }), 'ok', 3);
    const [op] = rec.history();
    if (!op) throw new Error('nothing recorded');
    expect(formatOp(op)).toBe('#0 p read {"key":"k"} → ok 3 [1.500, 1.500]');
  });
});

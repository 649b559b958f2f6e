import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageUsageError } from './errors.js';
import { encodeSnapshot, SNAPSHOT_FILE } from './snapshot-file.js';
import { entries, entry, harness, makeTempDir, removeDir, segmentFiles } from './storage-test-kit.js';

describe('FileRaftStorage round trip', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  async function reopen(extra = {}) {
    const h = harness(dir, extra);
    const state = await h.storage.open();
    return { ...h, state };
  }

  it('creates the directory on first open and starts empty', async () => {
    const nested = join(dir, 'a', 'node-1');
    const h = harness(nested);
    const state = await h.storage.open();
    expect(state).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] });
    expect(await segmentFiles(nested)).toEqual(['wal-0000000000000001.log']);
    await h.storage.close();
  });

  it('returns what was appended after a reopen, including the hard state', async () => {
    const a = await reopen();
    await a.storage.append(entries(1, 3, 1), { term: 1, vote: 'n1', commit: 0 });
    await a.storage.append([{ index: 4, term: 2, type: 'noop', data: '' }, entry(5, 2, 'ünïcødé ✓ {"k":"v"}')], {
      term: 2,
      vote: 'n2',
      commit: 3,
    });
    await a.storage.close();

    const b = await reopen();
    expect(b.state.hardState).toEqual({ term: 2, vote: 'n2', commit: 3 });
    expect(b.state.snapshot).toBeNull();
    expect(b.state.entries).toEqual([
      ...entries(1, 3, 1),
      { index: 4, term: 2, type: 'noop', data: '' },
      entry(5, 2, 'ünïcødé ✓ {"k":"v"}'),
    ]);
    expect(b.logs).toEqual([]);
    await b.storage.close();
  });

  it('persists hard-state-only updates; the latest wins', async () => {
    const a = await reopen();
    await a.storage.append([], { term: 1, vote: null, commit: 0 });
    await a.storage.append([], { term: 1, vote: 'n3', commit: 0 });
    await a.storage.append([], { term: 4, vote: null, commit: 0 });
    await a.storage.append([], { term: 4, vote: null, commit: 0 }); // unchanged: no record
    await a.storage.close();
    const b = await reopen();
    expect(b.state.hardState).toEqual({ term: 4, vote: null, commit: 0 });
    await b.storage.close();
  });

  it('rejects a hard state whose term goes back or whose vote changes within a term', async () => {
    const a = await reopen();
    await a.storage.append([], { term: 3, vote: 'n1', commit: 0 });
    await expect(a.storage.append([], { term: 2, vote: null, commit: 0 })).rejects.toThrow(
      /term goes back from 3 to 2/,
    );
    await expect(a.storage.append([], { term: 3, vote: 'n2', commit: 0 })).rejects.toThrow(
      /vote in term 3 changes from n1 to n2/,
    );
    await a.storage.close();
    const b = await reopen();
    expect(b.state.hardState).toEqual({ term: 3, vote: 'n1', commit: 0 });
    await b.storage.close();
  });

  it('keeps an overwritten conflicting suffix replaced after a reopen', async () => {
    const a = await reopen();
    await a.storage.append(entries(1, 6, 1));
    await a.storage.append(entries(4, 5, 2, '-new'), { term: 2, vote: null, commit: 2 });
    await a.storage.close();
    const b = await reopen();
    expect(b.state.entries).toEqual([...entries(1, 3, 1), ...entries(4, 5, 2, '-new')]);
    await b.storage.append(entries(6, 7, 2));
    await b.storage.close();
    const c = await reopen();
    expect(c.state.entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
      [7, 2],
    ]);
    await c.storage.close();
  });

  it('rejects non-contiguous batches with clear errors and writes nothing', async () => {
    const a = await reopen();
    await a.storage.append(entries(1, 3, 2));
    const cases: Array<[ReturnType<typeof entries>, RegExp]> = [
      [[entry(5, 2)], /entry 5 leaves a gap: the log ends at 3/],
      [[entry(4, 2), entry(6, 2)], /entries not contiguous: 4 followed by 6/],
      [[entry(4, 1)], /entry 4 has term 1, below term 2 of entry 3/],
      [[entry(4, 3), entry(5, 2)], /entry 5 has term 2, below term 3 of entry 4/],
      [[entry(0, 2)], /entry index must be an integer >= 1/],
      [[{ index: 4, term: 2, type: 'bogus' as 'normal', data: '' }], /unknown type bogus/],
    ];
    for (const [batch, message] of cases) {
      const p = a.storage.append(batch);
      await expect(p).rejects.toThrow(StorageUsageError);
      await expect(p).rejects.toThrow(message);
    }
    await a.storage.close();
    const b = await reopen();
    expect(b.state.entries).toEqual(entries(1, 3, 2));
    await b.storage.close();
  });

  it('survives a snapshot with compaction: old segments are deleted, the suffix kept', async () => {
    const a = await reopen({ segmentBytes: 256 });
    for (let i = 1; i <= 40; i++) await a.storage.append([entry(i, 1)], { term: 1, vote: 'n1', commit: i - 1 });
    const before = await segmentFiles(dir);
    expect(before.length).toBeGreaterThan(5);
    await a.storage.saveSnapshot({ meta: { index: 30, term: 1, peers: ['n1', 'n2', 'n3'] }, data: 'image@30' });
    const after = await segmentFiles(dir);
    expect(after.length).toBeLessThan(before.length);
    expect(after[0] > before[0]).toBe(true);
    expect(a.storage.stats()).toMatchObject({ snapshotIndex: 30, lastIndex: 40, segments: after.length });
    await a.storage.append([entry(41, 2)], { term: 2, vote: null, commit: 40 });
    await a.storage.close();

    const b = await reopen({ segmentBytes: 256 });
    expect(b.state.snapshot).toEqual({ meta: { index: 30, term: 1, peers: ['n1', 'n2', 'n3'] }, data: 'image@30' });
    expect(b.state.entries).toEqual([...entries(31, 40, 1).map((e) => entry(e.index, 1)), entry(41, 2)]);
    expect(b.state.hardState).toEqual({ term: 2, vote: null, commit: 40 });
    await expect(b.storage.append([entry(30, 2)])).rejects.toThrow(/at or below the snapshot index 30/);
    await b.storage.close();
  });

  it('a snapshot at the end of the log deletes every older segment', async () => {
    const a = await reopen({ segmentBytes: 200 });
    for (let i = 1; i <= 20; i++) await a.storage.append([entry(i, 1)], { term: 1, vote: null, commit: i });
    await a.storage.saveSnapshot({ meta: { index: 20, term: 1, peers: ['n1'] }, data: 's20' });
    expect(await segmentFiles(dir)).toHaveLength(1);
    await a.storage.close();
    const b = await reopen();
    expect(b.state.entries).toEqual([]);
    expect(b.state.snapshot?.meta.index).toBe(20);
    expect(b.state.hardState.commit).toBe(20);
    await b.storage.append([entry(21, 1)]);
    await b.storage.close();
    const c = await reopen();
    expect(c.state.entries).toEqual([entry(21, 1)]);
    await c.storage.close();
  });

  it('a snapshot ahead of the log or disagreeing with it replaces the whole log', async () => {
    const a = await reopen({ segmentBytes: 200 });
    await a.storage.append(entries(1, 8, 1));
    await a.storage.saveSnapshot({ meta: { index: 5, term: 3, peers: ['n1'] }, data: 'installed@5' });
    expect(a.storage.stats()).toMatchObject({ snapshotIndex: 5, lastIndex: 5 });
    await a.storage.append([entry(6, 3)]);
    await a.storage.saveSnapshot({ meta: { index: 50, term: 4, peers: ['n1'] }, data: 'installed@50' });
    await a.storage.append([entry(51, 4)]);
    await a.storage.close();
    const b = await reopen();
    expect(b.state.snapshot?.data).toBe('installed@50');
    expect(b.state.entries).toEqual([entry(51, 4)]);
    await expect(b.storage.saveSnapshot({ meta: { index: 10, term: 4, peers: [] }, data: '' })).rejects.toThrow(
      /older than the stored snapshot 50/,
    );
    await b.storage.close();
  });

  it('rotates segments at the size limit and reads them all back', async () => {
    const a = await reopen({ segmentBytes: 1024 });
    for (let i = 1; i <= 100; i += 5) await a.storage.append(entries(i, i + 4, 1));
    const segs = await segmentFiles(dir);
    expect(segs.length).toBeGreaterThan(3);
    expect(segs).toEqual(segs.map((_, i) => `wal-${String(i + 1).padStart(16, '0')}.log`));
    await a.storage.close();
    const b = await reopen({ segmentBytes: 1024 });
    expect(b.state.entries).toEqual(entries(1, 100, 1));
    await b.storage.close();
  });

  it('removes leftover temp files and keeps the previous snapshot', async () => {
    const a = await reopen();
    await a.storage.append(entries(1, 3, 1));
    await a.storage.saveSnapshot({ meta: { index: 2, term: 1, peers: ['n1'] }, data: 'old' });
    await a.storage.close();
    // A crash in the middle of writing the next snapshot leaves only a temp file.
    await writeFile(
      join(dir, `${SNAPSHOT_FILE}.tmp`),
      encodeSnapshot({ meta: { index: 3, term: 1, peers: [] }, data: 'new' }).subarray(0, 10),
    );
    const b = await reopen();
    expect(b.state.snapshot?.data).toBe('old');
    expect(b.state.entries).toEqual([entry(3, 1)]);
    expect(b.logs.some((l) => l.message.includes('leftover temp file'))).toBe(true);
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
    await b.storage.close();
  });

  it('an empty append is a durability barrier and calls after close are refused', async () => {
    const a = await reopen();
    const p1 = a.storage.append(entries(1, 2, 1));
    await a.storage.append([]);
    await expect(p1).resolves.toBeUndefined();
    await a.storage.close();
    await expect(a.storage.append([entry(3, 1)])).rejects.toThrow(/storage is closed, not open/);
    await expect(a.storage.open()).rejects.toThrow(/use a new instance/);
  });

  it('reports sync latency through onFsync and stats()', async () => {
    const samples: Array<[number, string]> = [];
    const a = await reopen({ onFsync: (s: number, kind: string) => samples.push([s, kind]) });
    await a.storage.append(entries(1, 2, 1));
    await a.storage.saveSnapshot({ meta: { index: 1, term: 1, peers: [] }, data: '' });
    const kinds = new Set(samples.map(([, k]) => k));
    expect(kinds).toEqual(new Set(['segment', 'wal', 'snapshot', 'dir']));
    expect(samples.every(([s]) => s >= 0 && s < 10)).toBe(true);
    const st = a.storage.stats();
    expect(st.walFsyncs).toBe(1);
    expect(st.appends).toBe(1);
    expect(st.bytesWritten).toBeGreaterThan(0);
    await a.storage.close();
  });
});

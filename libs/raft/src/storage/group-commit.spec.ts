import { StorageFailedError } from './errors.js';
import { entries, entry, harness, makeTempDir, removeDir } from './storage-test-kit.js';

describe('FileRaftStorage group commit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('coalesces concurrent appends into far fewer fsyncs, each resolving only after its fsync', async () => {
    let walSyncsDone = 0;
    const h = harness(dir, {
      onFsync: (_s, kind) => {
        if (kind === 'wal') walSyncsDone++;
      },
    });
    await h.storage.open();
    const calls = 500;
    const violations: number[] = [];
    const pending: Array<Promise<void>> = [];
    for (let i = 1; i <= calls; i++) {
      const syncsAtCall = walSyncsDone;
      const hs = i % 50 === 0 ? { term: 1 + i / 50, vote: null, commit: i - 1 } : undefined;
      pending.push(
        h.storage.append([entry(i, hs ? hs.term : Math.floor(i / 50) + 1)], hs).then(() => {
          // Durable means: an fsync finished after this call was issued.
          if (walSyncsDone <= syncsAtCall) violations.push(i);
        }),
      );
    }
    await Promise.all(pending);
    expect(violations).toEqual([]);
    const { walFsyncs, appends } = h.storage.stats();
    expect(appends).toBe(calls);
    expect(walFsyncs).toBe(walSyncsDone);
    expect(walFsyncs).toBeLessThanOrEqual(calls / 50);
    await h.storage.close();

    const again = harness(dir);
    const state = await again.storage.open();
    expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: calls }, (_, k) => k + 1));
    expect(state.hardState).toEqual({ term: 11, vote: null, commit: 499 });
    await again.storage.close();
  });

  it('appends issued while an fsync is in flight share the next single fsync', async () => {
    const h = harness(dir);
    await h.storage.open();
    const first = h.storage.append([entry(1, 1)]);
    await new Promise((r) => setImmediate(r)); // the first batch is now being written/synced
    const rest = Array.from({ length: 100 }, (_, k) => h.storage.append([entry(k + 2, 1)]));
    await Promise.all([first, ...rest]);
    expect(h.storage.stats().walFsyncs).toBeLessThanOrEqual(2);
    await h.storage.close();
  });

  it('keeps call order across a batch: overwrites, hard state and a snapshot queued together', async () => {
    const h = harness(dir, { segmentBytes: 300 });
    await h.storage.open();
    const order: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => order.push(name));
    await Promise.all([
      track('a', h.storage.append(entries(1, 10, 1), { term: 1, vote: 'n1', commit: 0 })),
      track('b', h.storage.append(entries(6, 8, 2, '-b'), { term: 2, vote: 'n2', commit: 3 })),
      track('snap', h.storage.saveSnapshot({ meta: { index: 4, term: 1, peers: ['n1'] }, data: 's4' })),
      track('c', h.storage.append(entries(8, 9, 3, '-c'), { term: 3, vote: null, commit: 6 })),
      track('barrier', h.storage.append([])),
    ]);
    expect(order).toEqual(['a', 'b', 'snap', 'c', 'barrier']);
    await h.storage.close();
    const again = harness(dir, { segmentBytes: 300 });
    const state = await again.storage.open();
    expect(state.snapshot?.meta.index).toBe(4);
    expect(state.entries).toEqual([entry(5, 1), ...entries(6, 7, 2, '-b'), ...entries(8, 9, 3, '-c')]);
    expect(state.hardState).toEqual({ term: 3, vote: null, commit: 6 });
    await again.storage.close();
  });

  it('close() waits for queued appends to become durable', async () => {
    const h = harness(dir);
    await h.storage.open();
    const p = Array.from({ length: 20 }, (_, k) => h.storage.append([entry(k + 1, 1)]));
    await h.storage.close();
    await Promise.all(p);
    const again = harness(dir);
    expect((await again.storage.open()).entries).toHaveLength(20);
    await again.storage.close();
  });
});

describe('FileRaftStorage after an I/O failure', () => {
  it('rejects the failed batch and every later call with StorageFailedError', async () => {
    const dir = await makeTempDir();
    try {
      const h = harness(dir, { segmentBytes: 100 });
      await h.storage.open();
      await h.storage.append([entry(1, 1)]);
      await removeDir(dir); // the next rotation cannot create its segment
      const first = h.storage.append(entries(2, 6, 1));
      await expect(first).rejects.toThrow(StorageFailedError);
      await expect(first).rejects.toThrow(/restart the node/);
      await expect(h.storage.append([entry(7, 1)])).rejects.toThrow(StorageFailedError);
      await h.storage.close();
    } finally {
      await removeDir(dir);
    }
  });
});

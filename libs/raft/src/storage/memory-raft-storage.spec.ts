import { StorageUsageError } from './errors.js';
import { MemoryRaftStorage, MemoryStorageDisk } from './memory-raft-storage.js';
import { entries, entry } from './storage-test-kit.js';

describe('MemoryRaftStorage', () => {
  it('survives a simulated restart on the same disk', async () => {
    const disk = new MemoryStorageDisk();
    const a = new MemoryRaftStorage(disk);
    expect(await a.open()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] });
    await a.append(entries(1, 5, 1), { term: 1, vote: 'n1', commit: 2 });
    await a.append(entries(4, 4, 2), { term: 2, vote: null, commit: 3 });
    await a.saveSnapshot({ meta: { index: 2, term: 1, peers: ['n1'] }, data: 's' });
    const b = new MemoryRaftStorage(disk);
    const state = await b.open();
    expect(state.entries).toEqual([entry(3, 1), entry(4, 2)]);
    expect(state.snapshot).toEqual({ meta: { index: 2, term: 1, peers: ['n1'] }, data: 's' });
    expect(state.hardState).toEqual({ term: 2, vote: null, commit: 3 });
    expect(b.stats()).toMatchObject({ snapshotIndex: 2, lastIndex: 4 });
  });

  it('enforces the same contract as the file storage', async () => {
    const s = new MemoryRaftStorage();
    await expect(s.append([entry(1, 1)])).rejects.toThrow(/not open/);
    await s.open();
    await s.append(entries(1, 3, 2), { term: 2, vote: 'n1', commit: 0 });
    await expect(s.append([entry(5, 2)])).rejects.toThrow(StorageUsageError);
    await expect(s.append([entry(4, 1)])).rejects.toThrow(/below term 2/);
    await expect(s.append([], { term: 2, vote: 'n2', commit: 0 })).rejects.toThrow(/vote in term 2 changes/);
    await s.saveSnapshot({ meta: { index: 9, term: 3, peers: [] }, data: '' });
    expect(s.disk.entries).toEqual([]);
    await expect(s.append([entry(9, 3)])).rejects.toThrow(/at or below the snapshot index 9/);
    await s.append([entry(10, 3)]);
    expect(s.disk.entries).toEqual([entry(10, 3)]);
  });
});

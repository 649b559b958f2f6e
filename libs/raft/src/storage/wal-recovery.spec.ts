import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageCorruptionError } from './errors.js';
import { encodeSnapshot, SNAPSHOT_FILE } from './snapshot-file.js';
import {
  entries,
  entry,
  fileSize,
  flipBit,
  frameOffsets,
  harness,
  lastSegment,
  makeTempDir,
  removeDir,
  segmentFiles,
  truncateTo,
} from './storage-test-kit.js';
import { encodeEntry, encodeHardState } from './wal-records.js';

describe('FileRaftStorage recovery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  /** Five entries in five separate frames (one append each), hard state term 1. */
  async function writeFive(segmentBytes?: number): Promise<void> {
    const h = harness(dir, segmentBytes === undefined ? {} : { segmentBytes });
    await h.storage.open();
    for (let i = 1; i <= 5; i++)
      await h.storage.append([entry(i, 1)], i === 1 ? { term: 1, vote: 'n1', commit: 0 } : undefined);
    await h.storage.close();
  }

  async function expectCorrupt(file: string, offset: number, what: RegExp): Promise<StorageCorruptionError> {
    const h = harness(dir);
    const err: unknown = await h.storage.open().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StorageCorruptionError);
    const c = err as StorageCorruptionError;
    expect(c.file).toBe(file);
    expect(c.offset).toBe(offset);
    expect(c.message).toContain(`${file} at offset ${offset}`);
    expect(c.message).toMatch(what);
    expect(c.message).toContain('refuses to start rather than lose committed entries');
    return c;
  }

  async function expectTornRecovery(expectedSize: number): Promise<void> {
    const seg = await lastSegment(dir);
    const h = harness(dir);
    const state = await h.storage.open();
    expect(state.entries).toEqual(entries(1, 4, 1));
    expect(state.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 });
    expect(h.logs).toHaveLength(1);
    expect(h.logs[0].level).toBe('warn');
    expect(h.logs[0].message).toContain(`torn tail in ${seg} at offset ${expectedSize}`);
    expect(await fileSize(seg)).toBe(expectedSize); // truncated on disk
    await h.storage.append([entry(5, 1, 'again')]);
    await h.storage.close();
    const again = harness(dir);
    expect((await again.storage.open()).entries).toEqual([...entries(1, 4, 1), entry(5, 1, 'again')]);
    expect(again.logs).toEqual([]);
    await again.storage.close();
  }

  it('truncates a partial frame at the end (torn write) and keeps the earlier entries', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    await truncateTo(seg, (await fileSize(seg)) - 3);
    await expectTornRecovery(last);
  });

  it('truncates a tail cut in the middle of a frame header', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    // Past the length's leading zero bytes, which alone would read as zeros written ahead.
    expect((await readFile(seg)).subarray(last, last + 6).some((b) => b !== 0)).toBe(true);
    await truncateTo(seg, last + 6);
    await expectTornRecovery(last);
  });

  it('treats a bad CRC in the last frame of the last segment as torn', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    await flipBit(seg, last + 12, 3);
    await expectTornRecovery(last);
  });

  it('reads a zero-filled tail (size extended, data never written) as the end of the log, silently', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    const buf = await readFile(seg);
    buf.fill(0, last);
    await writeFile(seg, Buffer.concat([buf, Buffer.alloc(100)]));
    const h = harness(dir);
    expect((await h.storage.open()).entries).toEqual(entries(1, 4, 1));
    expect(h.logs).toEqual([]);
    await h.storage.append([entry(5, 1, 'again')]); // written over the zeros
    await h.storage.close();
    const again = harness(dir);
    expect((await again.storage.open()).entries).toEqual([...entries(1, 4, 1), entry(5, 1, 'again')]);
    await again.storage.close();
  });

  describe('with space written ahead (preallocateBytes)', () => {
    const ahead = { preallocateBytes: 4096 };

    async function writeFiveAhead(segmentBytes?: number): Promise<void> {
      const h = harness(dir, { ...ahead, ...(segmentBytes === undefined ? {} : { segmentBytes }) });
      await h.storage.open();
      for (let i = 1; i <= 5; i++)
        await h.storage.append([entry(i, 1)], i === 1 ? { term: 1, vote: 'n1', commit: 0 } : undefined);
      await h.storage.close();
    }

    it('appends into zeros it wrote ahead, and reopens without a warning or a truncation', async () => {
      await writeFiveAhead();
      const seg = await lastSegment(dir);
      const offsets = await frameOffsets(seg);
      const dataEnd = offsets[offsets.length - 1] + 8 + (await readFile(seg)).readUInt32BE(offsets[offsets.length - 1]);
      expect(await fileSize(seg)).toBeGreaterThan(dataEnd);
      const before = await fileSize(seg);
      const h = harness(dir, ahead);
      expect((await h.storage.open()).entries).toEqual(entries(1, 5, 1));
      expect(h.logs).toEqual([]);
      expect(await fileSize(seg)).toBe(before);
      await h.storage.append([entry(6, 1)]);
      await h.storage.close();
      const again = harness(dir, ahead);
      expect((await again.storage.open()).entries).toEqual(entries(1, 6, 1));
      expect(await fileSize(seg)).toBe(before); // the sixth entry went into the zeros
      await again.storage.close();
    });

    it('truncates a frame cut short inside the written-ahead zeros as a torn tail', async () => {
      await writeFiveAhead();
      const seg = await lastSegment(dir);
      const offsets = await frameOffsets(seg);
      const last = offsets[offsets.length - 1];
      const buf = await readFile(seg);
      buf.fill(0, last + 12); // the last frame's header and a few bytes landed, the rest did not
      await writeFile(seg, buf);
      await expectTornRecovery(last);
    });

    it('still refuses a damaged middle frame with zeros after the data', async () => {
      await writeFiveAhead();
      const seg = await lastSegment(dir);
      const middle = (await frameOffsets(seg))[3];
      await flipBit(seg, middle + 20);
      await expectCorrupt(seg, middle, /CRC mismatch .* with valid-looking data after it, so it is not a torn tail/);
    });

    it('keeps the zeros of segments it rotated away from, and reads across them', async () => {
      await writeFiveAhead(200);
      const segs = await segmentFiles(dir);
      expect(segs.length).toBeGreaterThan(1);
      const h = harness(dir, { ...ahead, segmentBytes: 200 });
      expect((await h.storage.open()).entries).toEqual(entries(1, 5, 1));
      expect(h.logs).toEqual([]);
      await h.storage.close();
    });
  });

  it('refuses to start on a flipped bit in a middle frame, naming the file and offset', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const middle = offsets[3];
    await flipBit(seg, middle + 20);
    const before = await readFile(seg);
    await expectCorrupt(seg, middle, /CRC mismatch .* with valid-looking data after it, so it is not a torn tail/);
    expect(await readFile(seg)).toEqual(before); // nothing repaired or dropped
  });

  it('refuses to start on a damaged frame in an older segment, even its last one', async () => {
    await writeFive(120);
    const segs = await segmentFiles(dir);
    expect(segs.length).toBeGreaterThan(1);
    const first = join(dir, segs[0]);
    const offsets = await frameOffsets(first);
    const last = offsets[offsets.length - 1];
    await truncateTo(first, (await fileSize(first)) - 2);
    await expectCorrupt(first, last, /cut short .* in an older segment/);
  });

  it('refuses a frame length beyond the record limit instead of calling it torn', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    const last = offsets[offsets.length - 1];
    await flipBit(seg, last, 7); // top bit of the length: 2 GiB
    await expectCorrupt(seg, last, /exceeds the maximum/);
  });

  it('refuses an entry whose index leaves a gap or goes backwards (valid CRC)', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const end = await fileSize(seg);
    await appendFile(seg, encodeEntry(entry(9, 1)));
    await expectCorrupt(seg, end, /entry index 9 does not follow 5 \(gap or non-monotonic index\)/);
    await truncateTo(seg, end);
    await appendFile(seg, encodeEntry(entry(3, 1)));
    await expectCorrupt(seg, end, /entry index 3 does not follow 5/);
  });

  it('refuses a damaged hard-state record in the middle of the log', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const offsets = await frameOffsets(seg);
    // Frames: header, initial hard state, then the first append's hard state (term 1, n1).
    const hs = offsets[2];
    expect((await readFile(seg))[hs + 8]).toBe(4); // HARD_STATE kind
    await flipBit(seg, hs + 10);
    await expectCorrupt(seg, hs, /CRC mismatch/);
  });

  it('refuses a hard-state record whose term goes back (valid CRC)', async () => {
    await writeFive();
    const seg = await lastSegment(dir);
    const end = await fileSize(seg);
    await appendFile(seg, encodeHardState({ term: 0, vote: null, commit: 0 }));
    await expectCorrupt(seg, end, /hard state record invalid: term goes back from 1 to 0/);
  });

  it('refuses a corrupt snapshot file', async () => {
    await writeFive();
    const h = harness(dir);
    await h.storage.open();
    await h.storage.saveSnapshot({ meta: { index: 3, term: 1, peers: ['n1', 'n2'] }, data: 'x'.repeat(100) });
    await h.storage.close();
    const snap = join(dir, SNAPSHOT_FILE);
    await flipBit(snap, 50);
    await expectCorrupt(snap, 0, /snapshot frame invalid: CRC mismatch/);
    await flipBit(snap, 50);
    await truncateTo(snap, 30);
    await expectCorrupt(snap, 0, /snapshot frame invalid: frame payload cut short/);
    await writeFile(snap, '');
    await expectCorrupt(snap, 0, /snapshot file is empty/);
  });

  it('refuses when a middle segment is missing', async () => {
    await writeFive(120);
    const segs = await segmentFiles(dir);
    expect(segs.length).toBeGreaterThan(2);
    await rm(join(dir, segs[1]));
    await expectCorrupt(join(dir, segs[2]), 0, new RegExp(`segment 2 is missing between`));
  });

  it('refuses when the oldest segments are gone and no snapshot covers them', async () => {
    await writeFive(120);
    const segs = await segmentFiles(dir);
    await rm(join(dir, segs[0]));
    await expectCorrupt(join(dir, segs[1]), 0, /entries 1\.\.\d+ are missing/);
  });

  it('refuses a snapshot without any WAL segment (term and vote would be lost)', async () => {
    await writeFive();
    for (const s of await segmentFiles(dir)) await rm(join(dir, s));
    await writeFile(join(dir, SNAPSHOT_FILE), encodeSnapshot({ meta: { index: 5, term: 1, peers: [] }, data: '' }));
    await expectCorrupt(dir, 0, /no WAL segment/);
  });

  it('finishes a saveSnapshot interrupted after the snapshot became durable', async () => {
    await writeFive();
    // The snapshot (term 2 at index 4) disagrees with the log (term 1 at 4): a leader's image.
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      encodeSnapshot({ meta: { index: 4, term: 2, peers: ['n1'] }, data: 'img' }),
    );
    const h = harness(dir);
    const state = await h.storage.open();
    expect(state.entries).toEqual([]);
    expect(state.snapshot?.meta).toEqual({ index: 4, term: 2, peers: ['n1'] });
    expect(state.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 });
    expect(h.logs.map((l) => l.message).join('\n')).toMatch(/supersedes the log/);
    await h.storage.append([entry(5, 2)], { term: 2, vote: null, commit: 5 });
    await h.storage.close();
    const again = harness(dir);
    const s2 = await again.storage.open();
    expect(s2.entries).toEqual([entry(5, 2)]);
    expect(s2.hardState).toEqual({ term: 2, vote: null, commit: 5 });
    expect(again.logs).toEqual([]);
    await again.storage.close();
  });
});

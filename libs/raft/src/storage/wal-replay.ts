// Recovery: reads every surviving segment in order, checks every frame and every
// log invariant, and rebuilds the log. Only a torn tail of the newest segment (the
// unacknowledged end of the last batch) is repaired; anything else is corruption.
import { open, readFile } from 'node:fs/promises';
import type { Entry, HardState, SnapshotMeta } from '../core/types.js';
import { EMPTY_HARD_STATE } from '../core/types.js';
import { readFrame } from './crc-frame.js';
import { errorText, type TimedSync } from './durable-fs.js';
import { DecodeError, StorageCorruptionError } from './errors.js';
import { hardStateTransitionProblem, type SnapshotMode } from './log-rules.js';
import type { StorageLogger } from './raft-storage.js';
import { decodeRecord, type WalRecord } from './wal-records.js';

/** Largest WAL frame payload the writer produces; a longer length field is damage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface SegmentFile {
  readonly seq: number;
  readonly path: string;
}

/** Live bookkeeping of one segment, used to decide when compaction may delete it. */
export interface SegmentState extends SegmentFile {
  /** Where the log data ends (the next write goes here). */
  size: number;
  /** The file's length: past `size` it holds zeros written ahead (FileRaftStorage preallocates). */
  allocated: number;
  /** Bytes of the header + hard-state prologue: a segment no bigger holds no log data. */
  readonly prologueBytes: number;
  /** Highest index of a still-live entry stored in this segment (0: none). */
  maxLive: number;
}

export interface WalReplay {
  readonly hardState: HardState;
  /** The rebuilt log is entries base+1 .. base+entries.length. */
  readonly base: number;
  readonly baseTerm: number;
  readonly entries: Entry[];
  readonly segments: SegmentState[];
}

class Replayer {
  hardState: HardState = EMPTY_HARD_STATE;
  base = 0;
  baseTerm = 0;
  entries: Entry[] = [];
  readonly segments: SegmentState[] = [];

  get lastIndex(): number {
    return this.base + this.entries.length;
  }

  get lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].term : this.baseTerm;
  }

  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    if (index < this.base || index > this.lastIndex) return undefined;
    return this.entries[index - this.base - 1].term;
  }

  /** Returns a problem description, or null when the record is consistent. */
  apply(rec: WalRecord, seg: SegmentState, frameNo: number, firstSegment: boolean): string | null {
    if (frameNo === 0 && rec.kind !== 'header') return `first frame is a ${rec.kind} record, not a segment header`;
    if (frameNo === 1 && rec.kind !== 'hard-state') return `second frame is a ${rec.kind} record, not the hard state`;
    switch (rec.kind) {
      case 'header':
        if (frameNo !== 0) return 'segment header in the middle of a segment';
        if (rec.seq !== seg.seq) return `header says segment ${rec.seq} but the file name says ${seg.seq}`;
        if (firstSegment || rec.reset) {
          // Entries up to prevIndex live in deleted segments (covered by the snapshot, checked at the end).
          this.base = rec.prevIndex;
          this.baseTerm = rec.prevTerm;
          this.entries = [];
          for (const s of this.segments) s.maxLive = 0;
        } else if (rec.prevIndex !== this.lastIndex || rec.prevTerm !== this.lastTerm) {
          return `segment chain broken: header expects the log to end at ${rec.prevIndex} (term ${rec.prevTerm}) but it ends at ${this.lastIndex} (term ${this.lastTerm})`;
        }
        return null;
      case 'entry': {
        const e = rec.entry;
        if (e.index !== this.lastIndex + 1) {
          return `entry index ${e.index} does not follow ${this.lastIndex} (gap or non-monotonic index)`;
        }
        if (e.term < this.lastTerm)
          return `entry ${e.index} has term ${e.term}, below the previous term ${this.lastTerm}`;
        this.entries.push(e);
        seg.maxLive = e.index;
        return null;
      }
      case 'truncate': {
        const keep = rec.from - 1;
        if (rec.from < 1 || keep > this.lastIndex)
          return `truncate from ${rec.from} beyond the log end ${this.lastIndex}`;
        if (keep >= this.base) {
          if (this.termAt(keep) !== rec.prevTerm) {
            return `truncate from ${rec.from} expects term ${rec.prevTerm} at ${keep}, log has ${String(this.termAt(keep))}`;
          }
          this.entries.length = keep - this.base;
        } else {
          this.base = keep;
          this.baseTerm = rec.prevTerm;
          this.entries = [];
        }
        for (const s of this.segments) s.maxLive = Math.min(s.maxLive, keep);
        return null;
      }
      case 'hard-state': {
        const p = frameNo === 1 && firstSegment ? null : hardStateTransitionProblem(this.hardState, rec.hardState);
        if (p !== null) return `hard state record invalid: ${p}`;
        this.hardState = rec.hardState;
        return null;
      }
    }
  }
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

export async function replayWal(
  files: readonly SegmentFile[],
  log: StorageLogger,
  timed: TimedSync,
): Promise<WalReplay> {
  const r = new Replayer();
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const isLast = i === files.length - 1;
    const buf = await readFile(file.path).catch((e: unknown) => {
      throw new StorageCorruptionError(file.path, 0, `segment unreadable (${errorText(e)})`);
    });
    let pos = 0;
    let frameNo = 0;
    let prologueBytes = 0;
    let allocated = buf.length;
    const seg: SegmentState = { ...file, size: 0, allocated, prologueBytes: 0, maxLive: 0 };
    r.segments.push(seg);
    for (;;) {
      const f = readFrame(buf, pos, MAX_RECORD_BYTES);
      if (f.kind === 'end') break;
      if (f.kind !== 'frame') {
        // Zeros to the end are space written ahead of the log, in any segment: nothing was
        // ever written there (a frame's CRC covers its length, so zeros never parse).
        if (allZero(buf, pos)) break;
        // A write cut short by a crash leaves part of a frame, then the zeros written ahead.
        const torn = isLast && (f.kind === 'incomplete' || (f.kind === 'bad-crc' && allZero(buf, f.frameEnd)));
        if (!torn) {
          const where = isLast ? 'with valid-looking data after it' : 'in an older segment';
          throw new StorageCorruptionError(file.path, pos, `${f.problem} ${where}, so it is not a torn tail`);
        }
        log(
          'warn',
          `torn tail in ${file.path} at offset ${pos}: ${f.problem}; truncating ${buf.length - pos} byte(s) of an unacknowledged write`,
        );
        const fh = await open(file.path, 'r+');
        try {
          await fh.truncate(pos);
          await timed('wal', () => fh.datasync());
        } finally {
          await fh.close();
        }
        allocated = pos;
        break;
      }
      let rec: WalRecord;
      try {
        rec = decodeRecord(f.payload);
      } catch (e) {
        if (e instanceof DecodeError)
          throw new StorageCorruptionError(file.path, pos, `record undecodable: ${e.message}`);
        throw e;
      }
      const problem = r.apply(rec, seg, frameNo, i === 0);
      if (problem !== null) throw new StorageCorruptionError(file.path, pos, problem);
      pos = f.next;
      frameNo++;
      if (frameNo === 2) prologueBytes = pos;
    }
    if (frameNo < 2) {
      throw new StorageCorruptionError(
        file.path,
        pos,
        `segment has ${frameNo} valid frame(s); a segment starts with a header and a hard state`,
      );
    }
    r.segments[i] = { ...seg, size: pos, allocated, prologueBytes };
  }
  return { hardState: r.hardState, base: r.base, baseTerm: r.baseTerm, entries: r.entries, segments: r.segments };
}

/**
 * Fits the rebuilt log to the snapshot. A log that starts after the snapshot (or after 0
 * without one) has lost entries: corruption. A log that is shorter than the snapshot or
 * disagrees at its index is superseded (a crash inside saveSnapshot); by log matching
 * none of its entries after that point can be committed, so it is dropped.
 */
export function fitToSnapshot(
  replay: WalReplay,
  snap: SnapshotMeta | null,
  firstSegmentPath: string,
): { readonly entries: Entry[]; readonly mode: SnapshotMode } {
  const snapIndex = snap?.index ?? 0;
  if (replay.base > snapIndex) {
    const what = snap ? `the snapshot ends at ${snapIndex}` : 'there is no snapshot';
    throw new StorageCorruptionError(
      firstSegmentPath,
      0,
      `log starts after index ${replay.base} but ${what}: entries ${snapIndex + 1}..${replay.base} are missing`,
    );
  }
  if (snap === null) return { entries: replay.entries, mode: 'keep' };
  const lastIndex = replay.base + replay.entries.length;
  const termAtSnap =
    snapIndex === replay.base
      ? replay.baseTerm
      : snapIndex <= lastIndex
        ? replay.entries[snapIndex - replay.base - 1].term
        : undefined;
  if (termAtSnap !== snap.term) return { entries: [], mode: 'discard' };
  return { entries: replay.entries.slice(snapIndex - replay.base), mode: 'keep' };
}

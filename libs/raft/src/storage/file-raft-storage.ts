// Durable Raft storage in one directory:
//   wal-<seq>.log   append-only segments of CRC-framed records (wal-records.ts)
//   snapshot.bin    the latest snapshot, replaced atomically (snapshot-file.ts)
//
// Hard state lives in the WAL as records, not in a file of its own: a batch's entries
// and its term/vote then become durable with ONE fdatasync (a separate file needs temp +
// fsync + rename + dir fsync, three more syncs on the hot path of every election and
// commit). Within a batch the hard-state record is written first, so any durable prefix
// of a torn batch never holds an entry of a term the node has not persisted. Every
// segment starts with a header and the hard state current at its creation, so deleting
// old segments never loses the latest term and vote.
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Entry, HardState, Snapshot } from '../core/types.js';
import { EMPTY_HARD_STATE } from '../core/types.js';
import {
  datasyncNow,
  errorText,
  fsyncDir,
  unlinkDurably,
  writeAllSync,
  writeFileDurably,
  type TimedSync,
} from './durable-fs.js';
import { StorageCorruptionError, StorageFailedError, StorageUsageError } from './errors.js';
import {
  checkHardStateShape,
  hardStateTransitionProblem,
  LogTerms,
  sameHardState,
  type SnapshotMode,
} from './log-rules.js';
import type { FsyncKind, RaftStorage, RecoveredState, StorageLogger, StorageStats } from './raft-storage.js';
import { listSegmentFiles, segmentName } from './segment-files.js';
import { encodeSnapshot, readSnapshotFile, SNAPSHOT_FILE } from './snapshot-file.js';
import { fitToSnapshot, MAX_RECORD_BYTES, replayWal, type SegmentState } from './wal-replay.js';
import { encodeEntry, encodeHardState, encodeHeader, encodeTruncate } from './wal-records.js';

/** Segments rotate past this size so compaction can delete whole files. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/**
 * Zeros written ahead of the log's end, so that an append overwrites space the file
 * already has (as etcd preallocates its WAL). fdatasync of an append that grows the
 * file must commit ext4's journal (new size, new blocks), which waits for the journal
 * thread; an overwrite only flushes data. Three writers on two busy vCPUs measured
 * p50 0.34 ms and p90 1.0 ms this way against 0.44 and 2.3 ms appending.
 */
export const DEFAULT_PREALLOCATE_BYTES = 1024 * 1024;

export interface FileRaftStorageOptions {
  /** The node's data directory; created on first open. */
  readonly dir: string;
  /** Rotation threshold in bytes (default DEFAULT_SEGMENT_BYTES). A batch never spans segments. */
  readonly segmentBytes?: number;
  /** Zeros written ahead of the log's end, at most to segmentBytes (default DEFAULT_PREALLOCATE_BYTES; 0: none). */
  readonly preallocateBytes?: number;
  /** Called after every sync with its latency; feed a histogram labelled by kind. */
  readonly onFsync?: (durationSeconds: number, kind: FsyncKind) => void;
  /** Recovery notices (torn tail truncated, stray temp files removed). Default: console. */
  readonly logger?: StorageLogger;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** The log's end and hard state at a point of the call order (used to start segments). */
interface LogPoint {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly hardState: HardState;
}

/** How a written batch changes which segments still hold live entries. */
type LiveEffect = { readonly truncateFrom: number } | { readonly lastEntry: number };

interface BatchOp {
  readonly kind: 'batch';
  sealed: boolean;
  readonly chunks: Buffer[];
  bytes: number;
  readonly effects: LiveEffect[];
  readonly waiters: Waiter[];
  readonly start: LogPoint;
}

interface SnapshotOp {
  readonly kind: 'snapshot';
  readonly snapshot: Snapshot;
  readonly encoded: Buffer;
  readonly mode: SnapshotMode;
  readonly at: LogPoint;
  readonly waiters: Waiter[];
}

type QueueOp = BatchOp | SnapshotOp;

const defaultLogger: StorageLogger = (level, message) => {
  if (level === 'warn') console.warn(`[raft-storage] ${message}`);
  else console.info(`[raft-storage] ${message}`);
};

export class FileRaftStorage implements RaftStorage {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly preallocateBytes: number;
  private readonly log: StorageLogger;
  private readonly timed: TimedSync;

  private phase: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  private failure: StorageFailedError | null = null;

  // Logical state: every accepted call is applied here at once, in call order.
  private terms = new LogTerms();
  private hardState: HardState = EMPTY_HARD_STATE;

  // Physical state: what the flusher has written.
  private segments: SegmentState[] = [];
  private fh: FileHandle | null = null;

  private queue: QueueOp[] = [];
  private draining = false;
  private drained: Promise<void> = Promise.resolve();

  private counters = { appends: 0, walFsyncs: 0, walFsyncSeconds: 0, bytesWritten: 0 };

  constructor(options: FileRaftStorageOptions) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(this.segmentBytes) || this.segmentBytes < 1) {
      throw new StorageUsageError(`segmentBytes must be a positive integer, got ${String(options.segmentBytes)}`);
    }
    this.preallocateBytes = options.preallocateBytes ?? DEFAULT_PREALLOCATE_BYTES;
    if (!Number.isSafeInteger(this.preallocateBytes) || this.preallocateBytes < 0) {
      throw new StorageUsageError(
        `preallocateBytes must be a non-negative integer, got ${String(options.preallocateBytes)}`,
      );
    }
    this.log = options.logger ?? defaultLogger;
    const onFsync = options.onFsync;
    this.timed = async (kind, sync) => {
      const t0 = process.hrtime.bigint();
      await sync();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (kind === 'wal') {
        this.counters.walFsyncs++;
        this.counters.walFsyncSeconds += seconds;
      }
      try {
        onFsync?.(seconds, kind);
      } catch (e) {
        // A broken metrics hook must not fail (and so poison) a durable write.
        this.log('warn', `onFsync hook threw: ${errorText(e)}`);
      }
    };
  }

  async open(): Promise<RecoveredState> {
    if (this.phase !== 'new')
      throw new StorageUsageError(`open() called on a storage that is ${this.phase}; use a new instance`);
    this.phase = 'opening';
    try {
      const created = await mkdir(this.dir, { recursive: true });
      if (created !== undefined) await fsyncDir(dirname(created), this.timed); // make the new directory entry durable
      const files = await listSegmentFiles(this.dir, this.log);
      const snapPath = join(this.dir, SNAPSHOT_FILE);
      const snapshot = await readSnapshotFile(snapPath);
      if (files.length === 0) {
        if (snapshot !== null) {
          throw new StorageCorruptionError(
            this.dir,
            0,
            `${SNAPSHOT_FILE} exists but there is no WAL segment, so the term and vote are lost`,
          );
        }
        await this.createSegment(1, { lastIndex: 0, lastTerm: 0, hardState: EMPTY_HARD_STATE }, false);
        files.push({ seq: 1, path: join(this.dir, segmentName(1)) });
      }
      const replay = await replayWal(files, this.log, this.timed);
      const fitted = fitToSnapshot(replay, snapshot?.meta ?? null, files[0].path);
      this.segments = replay.segments;
      this.hardState = replay.hardState;
      this.terms = LogTerms.from(snapshot?.meta.index ?? 0, snapshot?.meta.term ?? 0, fitted.entries);
      this.fh = await open(this.activeSegment().path, 'r+');
      if (snapshot !== null) {
        if (fitted.mode === 'discard') {
          this.log(
            'warn',
            `snapshot at ${snapshot.meta.index} supersedes the log (interrupted saveSnapshot); dropping the uncommitted log after it`,
          );
        }
        await this.compact(snapshot.meta.index, snapshot.meta.term, fitted.mode, this.point());
      }
      this.phase = 'open';
      return { hardState: this.hardState, snapshot, entries: fitted.entries };
    } catch (e) {
      this.phase = 'closed';
      await this.fh?.close().catch(() => undefined);
      this.fh = null;
      throw e;
    }
  }

  append(entries: readonly Entry[], hardState?: HardState): Promise<void> {
    const chunks: Buffer[] = [];
    const effects: LiveEffect[] = [];
    try {
      this.assertWritable();
      const truncateFrom = this.terms.checkAppend(entries);
      if (hardState !== undefined) {
        checkHardStateShape(hardState);
        const problem = hardStateTransitionProblem(this.hardState, hardState);
        if (problem !== null) throw new StorageUsageError(`hard state rejected: ${problem}`);
        // Written first: see the file comment.
        if (!sameHardState(this.hardState, hardState)) chunks.push(encodeHardState(hardState));
      }
      if (truncateFrom !== null) {
        chunks.push(encodeTruncate(truncateFrom, this.terms.termAt(truncateFrom - 1) ?? 0));
        effects.push({ truncateFrom });
      }
      for (const e of entries) {
        const frame = encodeEntry(e);
        if (frame.length > MAX_RECORD_BYTES) {
          throw new StorageUsageError(
            `entry ${e.index} encodes to ${frame.length} bytes, above the ${MAX_RECORD_BYTES}-byte record limit`,
          );
        }
        chunks.push(frame);
      }
      if (entries.length > 0) effects.push({ lastEntry: entries[entries.length - 1].index });
    } catch (e) {
      return Promise.reject(e);
    }
    const batch = this.currentBatch();
    for (const c of chunks) {
      batch.chunks.push(c);
      batch.bytes += c.length;
    }
    batch.effects.push(...effects);
    this.terms.applyAppend(entries);
    if (hardState !== undefined)
      this.hardState = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
    this.counters.appends++;
    return this.enqueueWaiter(batch);
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    let op: SnapshotOp;
    try {
      this.assertWritable();
      const mode = this.terms.checkSnapshot(snapshot.meta);
      if (typeof snapshot.data !== 'string') throw new StorageUsageError('snapshot data must be a string');
      const copy: Snapshot = { meta: { ...snapshot.meta, peers: [...snapshot.meta.peers] }, data: snapshot.data };
      op = { kind: 'snapshot', snapshot: copy, encoded: encodeSnapshot(copy), mode, at: this.point(), waiters: [] };
      this.terms.applySnapshot(copy.meta, mode);
    } catch (e) {
      return Promise.reject(e);
    }
    this.queue.push(op);
    return this.enqueueWaiter(op);
  }

  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    if (this.phase === 'new') {
      this.phase = 'closed';
      return;
    }
    if (this.phase !== 'open') throw new StorageUsageError(`close() while ${this.phase}`);
    this.phase = 'closing';
    await this.drained;
    await this.fh?.close();
    this.fh = null;
    this.phase = 'closed';
  }

  stats(): StorageStats {
    return {
      ...this.counters,
      segments: this.segments.length,
      snapshotIndex: this.terms.snapshotIndex,
      lastIndex: this.terms.lastIndex,
    };
  }

  // ---- queue and flusher -------------------------------------------------------------

  private assertWritable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.phase !== 'open') throw new StorageUsageError(`storage is ${this.phase}, not open`);
  }

  private point(): LogPoint {
    return { lastIndex: this.terms.lastIndex, lastTerm: this.terms.lastTerm, hardState: this.hardState };
  }

  /** The batch new appends join: the last queued one unless the flusher already took it. */
  private currentBatch(): BatchOp {
    const last = this.queue[this.queue.length - 1];
    if (last !== undefined && last.kind === 'batch' && !last.sealed) return last;
    const batch: BatchOp = {
      kind: 'batch',
      sealed: false,
      chunks: [],
      bytes: 0,
      effects: [],
      waiters: [],
      start: this.point(),
    };
    this.queue.push(batch);
    return batch;
  }

  private enqueueWaiter(op: QueueOp): Promise<void> {
    const p = new Promise<void>((resolve, reject) => op.waiters.push({ resolve, reject }));
    if (!this.draining) {
      this.draining = true;
      // Start on the next microtask so that calls issued in the same tick share the first fsync too.
      this.drained = Promise.resolve().then(() => this.drain());
    }
    return p;
  }

  /** One op at a time; appends arriving meanwhile pile into the next batch (group commit). */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const op = this.queue[0];
      if (op.kind === 'batch') op.sealed = true;
      try {
        if (op.kind === 'batch') await this.writeBatch(op);
        else await this.writeSnapshot(op);
      } catch (e) {
        this.fail(e);
        break;
      }
      this.queue.shift();
      for (const w of op.waiters) w.resolve();
    }
    // Set synchronously after seeing an empty queue, so no op can be left unflushed.
    this.draining = false;
  }

  private fail(e: unknown): void {
    const msg = errorText(e);
    this.failure = new StorageFailedError(`Raft storage write failed (${msg}); restart the node to recover from disk`, {
      cause: e,
    });
    for (const op of this.queue) for (const w of op.waiters) w.reject(this.failure);
    this.queue = [];
  }

  private async writeBatch(batch: BatchOp): Promise<void> {
    if (batch.bytes === 0) return; // a pure barrier: everything before it is already durable
    let seg = this.activeSegment();
    if (seg.size > seg.prologueBytes && seg.size + batch.bytes > this.segmentBytes) {
      await this.rotate(batch.start, false);
      seg = this.activeSegment();
    }
    const buf = batch.chunks.length === 1 ? batch.chunks[0] : Buffer.concat(batch.chunks, batch.bytes);
    // The pwrite and the fdatasync run on this thread, blocking the event loop for one
    // small write and one sync (0.2-0.3 ms here). Through the thread pool each is a
    // hand-off to a worker and a wake-up back, and with three nodes on two vCPUs those
    // wake-ups cost more than the disk: write + sync measured 0.67 ms against 0.25 ms.
    // Nothing useful is lost while blocked: the batch's messages are already on the
    // sockets, and a leader cannot commit before its own write is durable anyway.
    const fd = this.handle().fd;
    if (seg.size + buf.length > seg.allocated) this.writeAhead(fd, seg, seg.size + buf.length);
    writeAllSync(fd, buf, seg.size);
    seg.size += buf.length;
    this.counters.bytesWritten += buf.length;
    await this.timed('wal', () => datasyncNow(fd));
    for (const eff of batch.effects) {
      if ('truncateFrom' in eff) for (const s of this.segments) s.maxLive = Math.min(s.maxLive, eff.truncateFrom - 1);
      else seg.maxLive = Math.max(seg.maxLive, eff.lastEntry);
    }
  }

  /** Extends the segment with zeros past `end`; the batch's fdatasync makes them durable with it. */
  private writeAhead(fd: number, seg: SegmentState, end: number): void {
    if (this.preallocateBytes === 0) return; // plain appends
    const target = Math.max(end, Math.min(end + this.preallocateBytes, this.segmentBytes));
    writeAllSync(fd, Buffer.alloc(target - seg.allocated), seg.allocated);
    seg.allocated = target;
  }

  private async writeSnapshot(op: SnapshotOp): Promise<void> {
    // The old snapshot stays in place until the new one is durable (atomic rename).
    await writeFileDurably(this.dir, SNAPSHOT_FILE, op.encoded, 'snapshot', this.timed);
    await this.compact(op.snapshot.meta.index, op.snapshot.meta.term, op.mode, op.at);
  }

  /**
   * After a durable snapshot at `index`: make sure the log on disk agrees with it, then
   * delete the oldest segments whose live entries it covers. Every step is crash-safe
   * on its own; recovery (fitToSnapshot) finishes whatever a crash interrupted.
   */
  private async compact(index: number, term: number, mode: SnapshotMode, at: LogPoint): Promise<void> {
    if (mode === 'discard') {
      // A reset header empties the log down to the snapshot; older segments hold nothing live.
      await this.rotate({ lastIndex: index, lastTerm: term, hardState: at.hardState }, true);
      for (const s of this.segments) s.maxLive = 0;
    } else {
      const active = this.activeSegment();
      if (active.size > active.prologueBytes && active.maxLive <= index) await this.rotate(at, false);
    }
    // Oldest first, each unlink made durable before the next: survivors stay a contiguous run.
    while (this.segments.length > 1 && this.segments[0].maxLive <= index) {
      const old = this.segments[0];
      await unlinkDurably(this.dir, segmentName(old.seq), this.timed);
      this.segments.shift();
    }
  }

  private async rotate(start: LogPoint, reset: boolean): Promise<void> {
    const seq = this.activeSegment().seq + 1;
    const seg = await this.createSegment(seq, start, reset);
    const fh = await open(seg.path, 'r+');
    await this.fh?.close();
    this.fh = fh;
    this.segments.push(seg);
  }

  /** Writes header + hard state to a temp file and renames it in: a segment is never half-created. */
  private async createSegment(seq: number, start: LogPoint, reset: boolean): Promise<SegmentState> {
    const prologue = Buffer.concat([
      encodeHeader({ seq, prevIndex: start.lastIndex, prevTerm: start.lastTerm, reset }),
      encodeHardState(start.hardState),
    ]);
    await writeFileDurably(this.dir, segmentName(seq), prologue, 'segment', this.timed);
    return {
      seq,
      path: join(this.dir, segmentName(seq)),
      size: prologue.length,
      allocated: prologue.length,
      prologueBytes: prologue.length,
      maxLive: 0,
    };
  }

  private activeSegment(): SegmentState {
    const seg = this.segments[this.segments.length - 1];
    if (seg === undefined) throw new StorageUsageError('no active segment');
    return seg;
  }

  private handle(): FileHandle {
    if (this.fh === null) throw new StorageUsageError('segment file not open');
    return this.fh;
  }
}

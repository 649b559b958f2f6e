// Small fs primitives with the syncs that make them crash-safe on Linux/ext4-like
// file systems: a rename or unlink is only durable once the directory is fsync'd.
import { fdatasyncSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsyncKind } from './raft-storage.js';

export const TMP_SUFFIX = '.tmp';

/** Runs a sync and reports its latency. */
export type TimedSync = (kind: FsyncKind, sync: () => Promise<void>) => Promise<void>;

/** pwrite until every byte is down (a short write is legal even for regular files). */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    done += bytesWritten;
  }
}

/** writeAll on the calling thread: see FileRaftStorage.writeBatch for why the WAL does not use the thread pool. */
export function writeAllSync(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const bytesWritten = writeSync(fd, buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten}`);
    done += bytesWritten;
  }
}

/** fdatasync on the calling thread, as a promise so it fits TimedSync. */
export function datasyncNow(fd: number): Promise<void> {
  fdatasyncSync(fd);
  return Promise.resolve();
}

export async function fsyncDir(dir: string, timed: TimedSync): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await timed('dir', () => fh.sync());
  } finally {
    await fh.close();
  }
}

/**
 * Atomically replaces dir/name: write name.tmp, fdatasync, rename, fsync the directory.
 * A crash leaves either the old file or the new one, plus maybe a stray .tmp that
 * open() removes.
 */
export async function writeFileDurably(
  dir: string,
  name: string,
  data: Buffer,
  kind: FsyncKind,
  timed: TimedSync,
): Promise<void> {
  const target = join(dir, name);
  const tmp = target + TMP_SUFFIX;
  const fh = await open(tmp, 'w');
  try {
    await writeAll(fh, data, 0);
    await timed(kind, () => fh.datasync());
  } finally {
    await fh.close();
  }
  await rename(tmp, target);
  await fsyncDir(dir, timed);
}

export async function unlinkDurably(dir: string, name: string, timed: TimedSync): Promise<void> {
  await unlink(join(dir, name));
  await fsyncDir(dir, timed);
}

// Duck-typed, not instanceof: errors from node:fs can come from another realm (jest's vm).
export function isErrnoCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && e.code === code;
}

export function errorText(e: unknown): string {
  return typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string' ? e.message : String(e);
}

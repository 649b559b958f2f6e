// Helpers shared by the storage specs (no jest globals, so it also typechecks as plain code).
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../core/types.js';
import { FileRaftStorage, type FileRaftStorageOptions } from './file-raft-storage.js';
import type { FsyncKind, StorageLogLevel } from './raft-storage.js';

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'dss-raft-storage-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function entry(index: number, term: number, data = `cmd-${index}-${term}`): Entry {
  return { index, term, type: 'normal', data };
}

export function entries(from: number, to: number, term: number, tag = ''): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, `cmd-${i}-${term}${tag}`));
  return out;
}

/** A storage plus what it reported: log lines and sync counts. */
export interface Harness {
  readonly storage: FileRaftStorage;
  readonly logs: Array<{ level: StorageLogLevel; message: string }>;
  readonly fsyncs: Record<FsyncKind, number>;
}

export function harness(dir: string, extra: Partial<FileRaftStorageOptions> = {}): Harness {
  const logs: Harness['logs'] = [];
  const fsyncs: Record<FsyncKind, number> = { wal: 0, segment: 0, snapshot: 0, dir: 0 };
  const storage = new FileRaftStorage({
    dir,
    logger: (level, message) => logs.push({ level, message }),
    onFsync: (_seconds, kind) => fsyncs[kind]++,
    // Files end where the log ends unless a test asks for space written ahead.
    preallocateBytes: 0,
    ...extra,
  });
  return { storage, logs, fsyncs };
}

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('wal-') && n.endsWith('.log')).sort();
}

export async function lastSegment(dir: string): Promise<string> {
  const segs = await segmentFiles(dir);
  return join(dir, segs[segs.length - 1]);
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export async function flipBit(path: string, offset: number, bit = 0): Promise<void> {
  const buf = await readFile(path);
  buf[offset] ^= 1 << bit;
  await writeFile(path, buf);
}

export async function truncateTo(path: string, size: number): Promise<void> {
  const buf = await readFile(path);
  await writeFile(path, buf.subarray(0, size));
}

/** Offsets of every frame in a file, read from the length fields. */
export async function frameOffsets(path: string): Promise<number[]> {
  const buf = await readFile(path);
  const out: number[] = [];
  // Stops at zeros written ahead (an all-zero header is not a frame).
  for (
    let pos = 0;
    pos + 8 <= buf.length && (buf.readUInt32BE(pos) !== 0 || buf.readUInt32BE(pos + 4) !== 0);
    pos += 8 + buf.readUInt32BE(pos)
  )
    out.push(pos);
  return out;
}

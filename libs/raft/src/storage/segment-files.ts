// WAL segment files: named by a zero-padded sequence number, so names sort like numbers
// and a missing number in the middle is visible.
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TMP_SUFFIX } from './durable-fs.js';
import { StorageCorruptionError } from './errors.js';
import type { StorageLogger } from './raft-storage.js';
import type { SegmentFile } from './wal-replay.js';

export const SEGMENT_PREFIX = 'wal-';
export const SEGMENT_SUFFIX = '.log';
const SEGMENT_RE = /^wal-(\d{16})\.log$/;

export function segmentName(seq: number): string {
  return `${SEGMENT_PREFIX}${String(seq).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

export function parseSegmentName(name: string): number | null {
  const m = SEGMENT_RE.exec(name);
  return m ? Number(m[1]) : null;
}

/** Segment files of `dir` in order; removes stray temp files; a hole in the numbering is corruption. */
export async function listSegmentFiles(dir: string, log: StorageLogger): Promise<SegmentFile[]> {
  const files: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    if (name.endsWith(TMP_SUFFIX)) {
      // Leftover of an atomic write that never got renamed: never part of the state.
      log('info', `removing leftover temp file ${join(dir, name)}`);
      await unlink(join(dir, name));
      continue;
    }
    const seq = parseSegmentName(name);
    if (seq !== null) files.push({ seq, path: join(dir, name) });
  }
  files.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < files.length; i++) {
    if (files[i].seq !== files[i - 1].seq + 1) {
      throw new StorageCorruptionError(
        files[i].path,
        0,
        `segment ${files[i - 1].seq + 1} is missing between ${files[i - 1].path} and this file`,
      );
    }
  }
  return files;
}

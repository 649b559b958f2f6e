// The snapshot file: one frame (see crc-frame.ts) whose payload is
//   magic u32 'DSSS', version u8, index u64, term u64, peerCount u32,
//   peerCount x (length u32, utf8), data utf8 (rest)
// Written atomically (temp + fsync + rename + dir fsync), so it is never torn: any
// damage is corruption.
import { readFile } from 'node:fs/promises';
import type { Snapshot } from '../core/types.js';
import { ByteReader, writeU64 } from './byte-codec.js';
import { encodeFrame, FRAME_HEADER_BYTES, readFrame } from './crc-frame.js';
import { errorText, isErrnoCode } from './durable-fs.js';
import { DecodeError, StorageCorruptionError, StorageUsageError } from './errors.js';

export const SNAPSHOT_FILE = 'snapshot.bin';
const SNAPSHOT_MAGIC = 0x44535353; // 'DSSS'
const SNAPSHOT_VERSION = 1;
const MAX_FRAME_PAYLOAD = 0xffffffff;

export function encodeSnapshot(s: Snapshot): Buffer {
  const peers = s.meta.peers.map((p) => Buffer.from(p, 'utf8'));
  const dataBytes = Buffer.byteLength(s.data, 'utf8');
  const size = 4 + 1 + 16 + 4 + peers.reduce((n, p) => n + 4 + p.length, 0) + dataBytes;
  if (size > MAX_FRAME_PAYLOAD) throw new StorageUsageError(`snapshot of ${size} bytes exceeds the 4 GiB frame limit`);
  return encodeFrame(size, (b, o) => {
    o = b.writeUInt32BE(SNAPSHOT_MAGIC, o);
    o = b.writeUInt8(SNAPSHOT_VERSION, o);
    o = writeU64(b, s.meta.index, o);
    o = writeU64(b, s.meta.term, o);
    o = b.writeUInt32BE(peers.length, o);
    for (const p of peers) {
      o = b.writeUInt32BE(p.length, o);
      o += p.copy(b, o);
    }
    b.write(s.data, o, dataBytes, 'utf8');
  });
}

/** Null when there is no snapshot yet; StorageCorruptionError when it cannot be trusted. */
export async function readSnapshotFile(path: string): Promise<Snapshot | null> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if (isErrnoCode(e, 'ENOENT')) return null;
    throw new StorageCorruptionError(path, 0, `snapshot file unreadable (${errorText(e)})`);
  }
  const f = readFrame(buf, 0, MAX_FRAME_PAYLOAD);
  if (f.kind === 'end') throw new StorageCorruptionError(path, 0, 'snapshot file is empty');
  if (f.kind !== 'frame') throw new StorageCorruptionError(path, 0, `snapshot frame invalid: ${f.problem}`);
  if (f.next !== buf.length) {
    throw new StorageCorruptionError(
      path,
      f.next,
      `${buf.length - f.next} unexpected byte(s) after the snapshot frame`,
    );
  }
  try {
    const r = new ByteReader(f.payload);
    const magic = r.u32();
    if (magic !== SNAPSHOT_MAGIC) throw new DecodeError(`bad snapshot magic 0x${magic.toString(16)}`);
    const version = r.u8();
    if (version !== SNAPSHOT_VERSION) throw new DecodeError(`unsupported snapshot version ${version}`);
    const index = r.u64();
    const term = r.u64();
    const peerCount = r.u32();
    const peers: string[] = [];
    for (let i = 0; i < peerCount; i++) peers.push(r.utf8(r.u32()));
    return { meta: { index, term, peers }, data: r.restUtf8() };
  } catch (e) {
    if (e instanceof DecodeError)
      throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, `snapshot payload invalid: ${e.message}`);
    throw e;
  }
}

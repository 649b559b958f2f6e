// Record payloads of the WAL. Binary rather than JSON: Entry.data is usually JSON text
// already, and JSON-in-JSON would escape every quote (bigger, slower to parse); a fixed
// layout also makes every field's offset obvious when debugging a damaged file.
//
//   HEADER      kind=1 magic u32 'DSSW', version u8, flags u8 (bit0 = reset), seq u64,
//               prevIndex u64, prevTerm u64          -- first frame of every segment
//   ENTRY       kind=2 type u8 (0 normal, 1 noop), index u64, term u64, data utf8 (rest)
//   TRUNCATE    kind=3 from u64, prevTerm u64        -- drop entries >= from
//   HARD_STATE  kind=4 term u64, commit u64, hasVote u8, vote utf8 (rest)
import type { Entry, EntryType, HardState } from '../core/types.js';
import { ByteReader, writeU64 } from './byte-codec.js';
import { encodeFrame } from './crc-frame.js';
import { DecodeError } from './errors.js';

export const WAL_MAGIC = 0x44535357; // 'DSSW'
export const WAL_VERSION = 1;
const FLAG_RESET = 1;

const Kind = { Header: 1, Entry: 2, Truncate: 3, HardState: 4 } as const;

export interface HeaderRecord {
  readonly kind: 'header';
  readonly seq: number;
  /**
   * Index/term of the log's last entry when the segment was started. With `reset`
   * the log is emptied down to that point (a snapshot replaced a conflicting log).
   */
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly reset: boolean;
}
export interface EntryRecord {
  readonly kind: 'entry';
  readonly entry: Entry;
}
export interface TruncateRecord {
  readonly kind: 'truncate';
  readonly from: number;
  /** Term of entry from-1; lets replay check it and seed term checks below the base. */
  readonly prevTerm: number;
}
export interface HardStateRecord {
  readonly kind: 'hard-state';
  readonly hardState: HardState;
}
export type WalRecord = HeaderRecord | EntryRecord | TruncateRecord | HardStateRecord;

export function encodeHeader(h: Omit<HeaderRecord, 'kind'>): Buffer {
  return encodeFrame(1 + 4 + 1 + 1 + 24, (b, o) => {
    o = b.writeUInt8(Kind.Header, o);
    o = b.writeUInt32BE(WAL_MAGIC, o);
    o = b.writeUInt8(WAL_VERSION, o);
    o = b.writeUInt8(h.reset ? FLAG_RESET : 0, o);
    o = writeU64(b, h.seq, o);
    o = writeU64(b, h.prevIndex, o);
    writeU64(b, h.prevTerm, o);
  });
}

export function encodeEntry(e: Entry): Buffer {
  const dataBytes = Buffer.byteLength(e.data, 'utf8');
  return encodeFrame(1 + 1 + 16 + dataBytes, (b, o) => {
    o = b.writeUInt8(Kind.Entry, o);
    o = b.writeUInt8(e.type === 'noop' ? 1 : 0, o);
    o = writeU64(b, e.index, o);
    o = writeU64(b, e.term, o);
    b.write(e.data, o, dataBytes, 'utf8');
  });
}

export function encodeTruncate(from: number, prevTerm: number): Buffer {
  return encodeFrame(1 + 16, (b, o) => {
    o = b.writeUInt8(Kind.Truncate, o);
    o = writeU64(b, from, o);
    writeU64(b, prevTerm, o);
  });
}

export function encodeHardState(hs: HardState): Buffer {
  const vote = hs.vote ?? '';
  const voteBytes = Buffer.byteLength(vote, 'utf8');
  return encodeFrame(1 + 16 + 1 + voteBytes, (b, o) => {
    o = b.writeUInt8(Kind.HardState, o);
    o = writeU64(b, hs.term, o);
    o = writeU64(b, hs.commit, o);
    o = b.writeUInt8(hs.vote === null ? 0 : 1, o);
    b.write(vote, o, voteBytes, 'utf8');
  });
}

/** Throws DecodeError; the caller knows the file and offset. */
export function decodeRecord(payload: Buffer): WalRecord {
  const r = new ByteReader(payload);
  const kind = r.u8();
  switch (kind) {
    case Kind.Header: {
      const magic = r.u32();
      if (magic !== WAL_MAGIC) throw new DecodeError(`bad segment magic 0x${magic.toString(16)}`);
      const version = r.u8();
      if (version !== WAL_VERSION) throw new DecodeError(`unsupported WAL version ${version}`);
      const flags = r.u8();
      if ((flags & ~FLAG_RESET) !== 0) throw new DecodeError(`unknown header flags 0x${flags.toString(16)}`);
      const rec: HeaderRecord = {
        kind: 'header',
        reset: (flags & FLAG_RESET) !== 0,
        seq: r.u64(),
        prevIndex: r.u64(),
        prevTerm: r.u64(),
      };
      r.end();
      return rec;
    }
    case Kind.Entry: {
      const t = r.u8();
      if (t > 1) throw new DecodeError(`unknown entry type ${t}`);
      const type: EntryType = t === 1 ? 'noop' : 'normal';
      const index = r.u64();
      const term = r.u64();
      return { kind: 'entry', entry: { index, term, type, data: r.restUtf8() } };
    }
    case Kind.Truncate: {
      const rec: TruncateRecord = { kind: 'truncate', from: r.u64(), prevTerm: r.u64() };
      r.end();
      return rec;
    }
    case Kind.HardState: {
      const term = r.u64();
      const commit = r.u64();
      const hasVote = r.u8();
      if (hasVote > 1) throw new DecodeError(`bad vote flag ${hasVote}`);
      const vote = r.restUtf8();
      if (hasVote === 0 && vote !== '') throw new DecodeError('vote text present although vote flag is 0');
      return { kind: 'hard-state', hardState: { term, commit, vote: hasVote === 1 ? vote : null } };
    }
    default:
      throw new DecodeError(`unknown record kind ${kind}`);
  }
}

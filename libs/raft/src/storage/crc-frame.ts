// Frame layout shared by WAL segments and the snapshot file:
//   [length u32 BE][crc32 u32 BE][payload: length bytes]
// The CRC covers the length bytes and the payload, so a zero-filled region (length 0,
// crc 0) or a damaged length inside a complete frame fails the check instead of parsing.
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;

/** Allocates a whole frame; `fill` writes the payload at `offset` (exactly payloadBytes). */
export function encodeFrame(payloadBytes: number, fill: (buf: Buffer, offset: number) => void): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  buf.writeUInt32BE(payloadBytes, 0);
  fill(buf, FRAME_HEADER_BYTES);
  buf.writeUInt32BE(frameCrc(buf, 0, payloadBytes), 4);
  return buf;
}

function frameCrc(buf: Buffer, start: number, payloadBytes: number): number {
  const lengthCrc = crc32(buf.subarray(start, start + 4));
  const payloadStart = start + FRAME_HEADER_BYTES;
  return crc32(buf.subarray(payloadStart, payloadStart + payloadBytes), lengthCrc);
}

export type FrameRead =
  | { readonly kind: 'frame'; readonly payload: Buffer; readonly next: number }
  | { readonly kind: 'end' }
  /** The buffer ends inside this frame: the classic torn tail. */
  | { readonly kind: 'incomplete'; readonly problem: string }
  /** Length is larger than any frame the writer produces: damage, never a torn write. */
  | { readonly kind: 'bad-length'; readonly problem: string }
  | { readonly kind: 'bad-crc'; readonly frameEnd: number; readonly problem: string };

export function readFrame(buf: Buffer, pos: number, maxPayloadBytes: number): FrameRead {
  const left = buf.length - pos;
  if (left === 0) return { kind: 'end' };
  if (left < FRAME_HEADER_BYTES) {
    return { kind: 'incomplete', problem: `frame header cut short (${left} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const length = buf.readUInt32BE(pos);
  if (length > maxPayloadBytes) {
    return { kind: 'bad-length', problem: `frame length ${length} exceeds the maximum ${maxPayloadBytes}` };
  }
  const frameEnd = pos + FRAME_HEADER_BYTES + length;
  if (frameEnd > buf.length) {
    return { kind: 'incomplete', problem: `frame payload cut short (${left - FRAME_HEADER_BYTES} of ${length} bytes)` };
  }
  const stored = buf.readUInt32BE(pos + 4);
  const actual = frameCrc(buf, pos, length);
  if (stored !== actual) {
    return {
      kind: 'bad-crc',
      frameEnd,
      problem: `CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)}, frame length ${length})`,
    };
  }
  return { kind: 'frame', payload: buf.subarray(pos + FRAME_HEADER_BYTES, frameEnd), next: frameEnd };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

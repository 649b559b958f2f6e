// Fixed-layout big-endian helpers for the binary record payloads. Indexes and terms are
// JS numbers (safe up to 2^53), stored as u64 so the format never needs to change.
import { DecodeError } from './errors.js';

const TWO_32 = 2 ** 32;
/** Largest high word of a u64 that still fits a safe integer (2^53 - 1). */
const MAX_SAFE_HIGH = 0x1fffff;

export function writeU64(buf: Buffer, value: number, offset: number): number {
  buf.writeUInt32BE(Math.floor(value / TWO_32), offset);
  buf.writeUInt32BE(value >>> 0, offset + 4);
  return offset + 8;
}

/** Sequential reader that throws DecodeError (never a RangeError) on short or bad input. */
export class ByteReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    const high = this.u32();
    const low = this.u32();
    if (high > MAX_SAFE_HIGH) throw new DecodeError(`u64 value above 2^53 (high word ${high})`);
    return high * TWO_32 + low;
  }

  utf8(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  /** The rest of the payload as UTF-8 (variable-length tail field). */
  restUtf8(): string {
    return this.utf8(this.remaining);
  }

  end(): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} unexpected trailing byte(s)`);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new DecodeError(`payload too short: need ${n} byte(s) at ${this.pos}, have ${this.remaining}`);
    }
  }
}

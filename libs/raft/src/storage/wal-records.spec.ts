import { encodeFrame, readFrame } from './crc-frame.js';
import { DecodeError } from './errors.js';
import { decodeRecord, encodeEntry, encodeHardState, encodeHeader, encodeTruncate } from './wal-records.js';

function payloadOf(frame: Buffer): Buffer {
  const f = readFrame(frame, 0, 1 << 20);
  if (f.kind !== 'frame') throw new Error(`not a frame: ${f.kind}`);
  return f.payload;
}

describe('WAL records and frames', () => {
  it('round-trips every record kind, including large numbers and non-ASCII text', () => {
    const big = Number.MAX_SAFE_INTEGER;
    expect(decodeRecord(payloadOf(encodeHeader({ seq: 7, prevIndex: big, prevTerm: 2 ** 40, reset: true })))).toEqual({
      kind: 'header',
      seq: 7,
      prevIndex: big,
      prevTerm: 2 ** 40,
      reset: true,
    });
    const e = { index: 2 ** 33 + 5, term: 9, type: 'noop' as const, data: '{"ключ":"值 ✓"}' };
    expect(decodeRecord(payloadOf(encodeEntry(e)))).toEqual({ kind: 'entry', entry: e });
    expect(decodeRecord(payloadOf(encodeTruncate(12, 3)))).toEqual({ kind: 'truncate', from: 12, prevTerm: 3 });
    expect(decodeRecord(payloadOf(encodeHardState({ term: 4, vote: 'nœud-2', commit: 99 })))).toEqual({
      kind: 'hard-state',
      hardState: { term: 4, vote: 'nœud-2', commit: 99 },
    });
    expect(decodeRecord(payloadOf(encodeHardState({ term: 4, vote: '', commit: 0 })))).toMatchObject({
      hardState: { vote: '' },
    });
    expect(decodeRecord(payloadOf(encodeHardState({ term: 4, vote: null, commit: 0 })))).toMatchObject({
      hardState: { vote: null },
    });
  });

  it('classifies damaged frames', () => {
    const frame = encodeEntry({ index: 1, term: 1, type: 'normal', data: 'abc' });
    expect(readFrame(frame, 0, 1000).kind).toBe('frame');
    expect(readFrame(frame.subarray(0, 5), 0, 1000).kind).toBe('incomplete');
    expect(readFrame(frame.subarray(0, frame.length - 1), 0, 1000).kind).toBe('incomplete');
    expect(readFrame(frame, 0, 4).kind).toBe('bad-length');
    const flipped = Buffer.from(frame);
    flipped[frame.length - 1] ^= 1;
    expect(readFrame(flipped, 0, 1000)).toMatchObject({ kind: 'bad-crc', frameEnd: frame.length });
    // An all-zero header must not parse as an empty frame: the CRC covers the length.
    expect(readFrame(Buffer.alloc(16), 0, 1000).kind).toBe('bad-crc');
    expect(readFrame(Buffer.alloc(0), 0, 1000).kind).toBe('end');
  });

  it('rejects undecodable payloads with DecodeError', () => {
    const bad = (fill: (b: Buffer) => void, n: number) => payloadOf(encodeFrame(n, (b, o) => fill(b.subarray(o))));
    expect(() => decodeRecord(bad((b) => b.writeUInt8(42, 0), 1))).toThrow(DecodeError);
    expect(() => decodeRecord(bad((b) => b.writeUInt8(3, 0), 1))).toThrow(/payload too short/);
    expect(() =>
      decodeRecord(
        bad((b) => {
          b.fill(0xff);
          b.writeUInt8(3, 0);
        }, 17),
      ),
    ).toThrow(/above 2\^53/);
  });
});

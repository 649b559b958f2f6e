import fc from 'fast-check';
import { HASH_SEED, hash32, murmur3Bytes } from './murmur3.js';
import { seededKeys } from './seeded-keys.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

describe('murmur3 x86_32', () => {
  it('matches the published MurmurHash3_x86_32 test vectors', () => {
    expect(murmur3Bytes(bytes(''), undefined, 0)).toBe(0);
    expect(murmur3Bytes(bytes(''), undefined, 1)).toBe(0x514e28b7);
    expect(murmur3Bytes(bytes('hello'), undefined, 0)).toBe(0x248bfa47);
    expect(murmur3Bytes(bytes('The quick brown fox jumps over the lazy dog'), undefined, 0)).toBe(0x2e4ff723);
    expect(murmur3Bytes(bytes('test'), undefined, 0x9747b28c)).toBe(0x704b81dc);
    expect(murmur3Bytes(bytes('Hello, world!'), undefined, 0x9747b28c)).toBe(0x24884cba);
  });

  it('uses the fixed seed (changing it would move every key in a running cluster)', () => {
    expect(HASH_SEED).toBe(0x9747b28c);
    expect(hash32('test')).toBe(0x704b81dc);
  });

  it('hashes a string exactly as murmur3 of its UTF-8 bytes, lone surrogates included', () => {
    // 'binary' units produce every code point; 'grapheme-composite' and raw code units cover
    // combining marks and unpaired surrogates (which must encode as U+FFFD like Buffer does).
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(hash32(s)).toBe(murmur3Bytes(bytes(s)));
      }),
      { numRuns: 2000 },
    );
  });

  it('spreads 100k keys uniformly over 64 buckets (chi-square, p = 0.001)', () => {
    const buckets = new Array<number>(64).fill(0);
    const keys = seededKeys(100_000, 7);
    for (const key of keys) buckets[hash32(key) >>> 26]++;
    const expected = keys.length / 64;
    const chi2 = buckets.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(103.4); // critical value for 63 degrees of freedom at p = 0.001
  });
});

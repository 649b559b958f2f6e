// MurmurHash3 x86_32 over the UTF-8 bytes of a string. Written out here rather than taken
// from a package or node:crypto so the ring's layout is fixed by this file alone: every node of
// every version must place keys identically, whatever the Node or dependency versions.

/** Seed of every ring hash. Changing it moves every key: treat it as part of the wire format. */
export const HASH_SEED = 0x9747b28c;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

// Reused UTF-8 scratch space: hashing is synchronous, so one buffer per process is safe, and
// lookups then allocate nothing.
let scratch = new Uint8Array(256);

/** MurmurHash3 x86_32 of raw bytes (the reference algorithm, for tests and other callers). */
export function murmur3Bytes(bytes: Uint8Array, length: number = bytes.length, seed: number = HASH_SEED): number {
  let h1 = seed >>> 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k1 = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  // Tail: the last 1-3 bytes, little-endian, mixed like a block but without the h1 rotation.
  const tail = length & 3;
  if (tail > 0) {
    let k1 = bytes[blocks];
    if (tail > 1) k1 ^= bytes[blocks + 1] << 8;
    if (tail > 2) k1 ^= bytes[blocks + 2] << 16;
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
  }
  h1 ^= length;
  // fmix32: the avalanche step that makes nearby inputs ("node1#7", "node1#8") land far apart.
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/**
 * Encodes `text` as UTF-8 into the scratch buffer and returns the byte count. Lone surrogates
 * become U+FFFD, exactly as Buffer.from/TextEncoder do, so any JS string has one fixed encoding.
 */
function encodeUtf8(text: string): number {
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const out = scratch;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0xef; // U+FFFD
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** The ring's 32-bit hash of a string: MurmurHash3 x86_32 of its UTF-8 bytes, seeded by HASH_SEED. */
export function hash32(text: string, seed: number = HASH_SEED): number {
  const length = encodeUtf8(text);
  return murmur3Bytes(scratch, length, seed);
}

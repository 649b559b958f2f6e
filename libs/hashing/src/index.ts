export * from './hash-ring.js';
export { HASH_SEED, hash32, murmur3Bytes } from './murmur3.js';

import fc from 'fast-check';
import { MessageIdGenerator, RANDOM_POOL_BYTES, randomHex, receiptNonce } from './message-ids.js';

describe('MessageIdGenerator', () => {
  it('ids strictly increase in string order whatever the clock does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 44 }), { minLength: 2, maxLength: 200 }), (clock) => {
        const gen = new MessageIdGenerator();
        const ids = clock.map((now) => gen.next(now));
        for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
      }),
    );
  });

  it('ids and nonces carry no characters that clash with the key or reply formats', () => {
    const gen = new MessageIdGenerator();
    expect(gen.next(Date.now())).toMatch(/^[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{10}$/);
    expect(receiptNonce()).toMatch(/^[0-9a-f]{24}$/);
  });

  it('receipts never start with "-", so a command line cannot take one for an option', () => {
    for (let i = 0; i < 2000; i++) expect(receiptNonce()).not.toMatch(/^-/);
  });
});

describe('randomHex', () => {
  it('never hands out the same pooled bytes twice, across pool refills', () => {
    // 12 bytes per nonce: 3,000 nonces draw about nine pools. A pool reused or a slice
    // overlapping the previous one would repeat a nonce long before 2^96 draws.
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) seen.add(receiptNonce());
    expect(seen.size).toBe(3000);
  });

  it('gives exactly the bytes asked for, above the pool size too', () => {
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(randomHex(RANDOM_POOL_BYTES + 1)).toHaveLength(2 * (RANDOM_POOL_BYTES + 1));
  });
});

// Fenced writes' pure rules (docs/cache.md, "Fenced writes") and their place in the stored value.
import fc from 'fast-check';
import { CACHE_FENCE_TOMBSTONE_MS } from '../cache-limits.js';
import { fenceAdmits, fenceAfter, isFenceToken, parseFenceToken, rememberedFence, tombstone } from './fences.js';
import { decodeStored, encodeStored, isTombstone, jsonBody, stringBody } from './stored-value.js';

const NOW = 1_700_000_000_000;

describe('fencing tokens', () => {
  it('accepts positive safe integers only', () => {
    expect([1, 42, Number.MAX_SAFE_INTEGER].every(isFenceToken)).toBe(true);
    expect([0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, '7'].some(isFenceToken)).toBe(false);
  });

  it('parses decimal text strictly (the Redis protocol)', () => {
    expect(parseFenceToken('7')).toBe(7);
    expect(parseFenceToken(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['', '0', '-3', '+3', '07', '1.0', '1e3', ' 1', '9007199254740992', '99999999999999999'])
      expect(parseFenceToken(bad)).toBeUndefined();
  });

  it('admits an equal or higher token, refuses a lower one, and anything on a key never fenced', () => {
    expect(fenceAdmits(5, undefined)).toBe(true);
    expect(fenceAdmits(5, 5)).toBe(true);
    expect(fenceAdmits(6, 5)).toBe(true);
    expect(fenceAdmits(4, 5)).toBe(false);
  });

  it('never lowers the remembered token: a fenced write leaves its own, an unfenced one the old', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 1000 })),
        fc.option(fc.integer({ min: 1, max: 1000 })),
        (t, r) => {
          const token = t ?? undefined;
          const remembered = r ?? undefined;
          if (token !== undefined && !fenceAdmits(token, remembered)) return;
          const after = fenceAfter(token, remembered).fence;
          if (remembered !== undefined) expect(after).toBeGreaterThanOrEqual(remembered);
          if (token !== undefined) expect(after).toBe(token);
        },
      ),
    );
  });
});

describe('the fence in a stored value', () => {
  it('round-trips with and without an expiry, and old values without a fence read as before', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.integer({ min: 1, max: NOW * 2 })),
        fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        (text, at, f) => {
          const s = {
            body: stringBody(text),
            ...(at !== null ? { expiresAt: at } : {}),
            ...(f !== null ? { fence: f } : {}),
          };
          expect(decodeStored(encodeStored(s))).toEqual(s);
        },
      ),
    );
    expect(decodeStored(jsonBody({ a: 1 }))).toEqual({ body: '{"a":1}' });
    expect(decodeStored(`@${NOW};'x`)).toEqual({ body: "'x", expiresAt: NOW });
  });

  it('is remembered while the value (or tombstone) lives, and forgotten once it expired', () => {
    const raw = encodeStored({ body: "'v", fence: 9, expiresAt: NOW + 10 });
    expect(rememberedFence(raw, NOW)).toBe(9);
    expect(rememberedFence(raw, NOW + 10)).toBeUndefined();
    expect(rememberedFence(encodeStored({ body: "'v", fence: 3 }), NOW)).toBe(3);
    expect(rememberedFence(encodeStored({ body: "'v" }), NOW)).toBeUndefined();
    expect(rememberedFence(undefined, NOW)).toBeUndefined();
  });

  it('survives a delete as a tombstone that reads as no value, for the tombstone time', () => {
    const t = decodeStored(encodeStored(tombstone(12, NOW)));
    expect(isTombstone(t)).toBe(true);
    expect(t.fence).toBe(12);
    expect(rememberedFence(encodeStored(t), NOW + CACHE_FENCE_TOMBSTONE_MS - 1)).toBe(12);
    expect(rememberedFence(encodeStored(t), NOW + CACHE_FENCE_TOMBSTONE_MS)).toBeUndefined();
    // Neither an empty string nor JSON text is a tombstone.
    expect(isTombstone(decodeStored(encodeStored({ body: stringBody(''), fence: 1 })))).toBe(false);
    expect(isTombstone(decodeStored(jsonBody(null)))).toBe(false);
  });
});

import { composeVersion, MAX_VERSION_EPOCH, VERSION_COUNTER_BITS, VersionAllocator } from './version-allocator.js';

/** One Redis counter shared by every home, as `dss:cache:version-epoch` is. */
function epochCounter() {
  let value = 0;
  const fetches: number[] = [];
  return {
    fetches,
    newEpoch: async () => {
      await Promise.resolve();
      fetches.push(++value);
      return value;
    },
  };
}

describe('VersionAllocator', () => {
  it('counts within one epoch, fetched once for all the grants of a term', async () => {
    const counter = epochCounter();
    const versions = new VersionAllocator(counter.newEpoch);
    const got = await Promise.all([versions.next(1), versions.next(1), versions.next(1)]);
    expect(got).toEqual([composeVersion(1, 1), composeVersion(1, 2), composeVersion(1, 3)]);
    expect(await versions.next(1)).toBe(composeVersion(1, 4));
    expect(counter.fetches).toEqual([1]);
  });

  it('gives a home that takes over versions above every version of the one before, and again when it comes back', async () => {
    const counter = epochCounter();
    const a = new VersionAllocator(counter.newEpoch);
    const b = new VersionAllocator(counter.newEpoch);
    const fromA = [await a.next(1), await a.next(1), await a.next(1)];
    const fromB = await b.next(1); // b is home in its own term now
    expect(fromB).toBeGreaterThan(Math.max(...fromA));
    // a is home again: a new term (its lease lapsed or its view changed), so a new epoch,
    // although a's old epoch had numbers left.
    const again = await a.next(2);
    expect(again).toBeGreaterThan(fromB);
    expect(counter.fetches).toEqual([1, 2, 3]);
  });

  it('takes a new epoch when one runs out of numbers', async () => {
    const counter = epochCounter();
    const versions = new VersionAllocator(counter.newEpoch, 2);
    const got = [await versions.next(1), await versions.next(1), await versions.next(1)];
    expect(got).toEqual([composeVersion(1, 1), composeVersion(1, 2), composeVersion(2, 1)]);
  });

  it('asks again after a failed fetch, and fails the grants that waited for it', async () => {
    let fail = true;
    let value = 0;
    const versions = new VersionAllocator(async () => {
      if (fail) throw new Error('Redis is down');
      return ++value;
    });
    await expect(Promise.all([versions.next(1), versions.next(1)])).rejects.toThrow('Redis is down');
    fail = false;
    expect(await versions.next(1)).toBe(composeVersion(1, 1));
  });

  it('keeps every version an exact integer and refuses an epoch past the last', () => {
    expect(composeVersion(1, 1)).toBe(2 ** VERSION_COUNTER_BITS + 1);
    expect(composeVersion(MAX_VERSION_EPOCH, 2 ** VERSION_COUNTER_BITS - 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => composeVersion(MAX_VERSION_EPOCH + 1, 1)).toThrow(RangeError);
    expect(() => composeVersion(0, 1)).toThrow(RangeError);
    expect(() => composeVersion(1, 2 ** VERSION_COUNTER_BITS)).toThrow(RangeError);
  });
});

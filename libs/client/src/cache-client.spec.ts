import { DssClient } from './dss-client.js';
import { FencedError, UnavailableError } from './errors.js';
import { ENDPOINTS, FakeFetch, type FakeRoute, inOrder, type FakeReply } from './fake-fetch.test-kit.js';

function client(route: FakeRoute) {
  const fake = new FakeFetch(route);
  return { dss: new DssClient({ endpoints: ENDPOINTS, fetch: fake.fetch, random: () => 0, timeoutMs: 50 }), fake };
}
const replies = (...r: FakeReply[]) => client(inOrder(...r));
const NOT_FOUND = { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no value' } } };

describe('CacheClient', () => {
  it('URL-encodes the key in every path', async () => {
    const { dss, fake } = replies(
      { status: 200, body: { key: 'user:42/ä', state: 'M' } },
      { status: 200, body: { key: 'user:42/ä', value: { a: 1 }, state: 'M', source: 'local' } },
      { status: 200, body: { key: 'user:42/ä', home: 'node1', states: { node1: 'M', node2: 'I', node3: 'I' } } },
      { status: 200, body: { key: 'user:42/ä', deleted: true } },
    );
    await expect(dss.cache.put('user:42/ä', { a: 1 })).resolves.toEqual({ key: 'user:42/ä', state: 'M' });
    await expect(dss.cache.get('user:42/ä')).resolves.toMatchObject({ key: 'user:42/ä', value: { a: 1 }, state: 'M' });
    await expect(dss.cache.coherence('user:42/ä')).resolves.toMatchObject({ home: 'node1', states: { node1: 'M' } });
    await expect(dss.cache.del('user:42/ä')).resolves.toBe(true);
    const enc = '/cache/user%3A42%2F%C3%A4';
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT ${enc}`,
      `GET ${enc}`,
      `GET ${enc}/coherence`,
      `DELETE ${enc}`,
    ]);
    expect(fake.requests[0]!.body).toEqual({ value: { a: 1 } });
  });

  it('get of a missing key is undefined and del of one is false', async () => {
    const { dss } = replies(NOT_FOUND);
    await expect(dss.cache.get('nope')).resolves.toBeUndefined();
    await expect(dss.cache.del('nope')).resolves.toBe(false);
  });

  it("sends a fencing token with put and del, and throws FencedError with the key's token when refused", async () => {
    const fenced = { status: 409, body: { error: { code: 'FENCED', message: 'token 3 is older', fence: 7 } } };
    const { dss, fake } = replies(
      { status: 200, body: { key: 'k', state: 'M' } },
      { status: 200, body: { key: 'k', deleted: true } },
      fenced,
      fenced,
    );
    await dss.cache.put('k', 'v', { fence: 7 });
    await dss.cache.del('k', { fence: 8 });
    expect(fake.requests.map((r) => r.body)).toEqual([{ value: 'v', fence: { token: 7 } }, { fence: { token: 8 } }]);
    const refused = await dss.cache.put('k', 'late', { fence: 3 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(FencedError);
    expect(refused).toMatchObject({ code: 'FENCED', fence: 7, status: 409 });
    await expect(dss.cache.del('k', { fence: 3 })).rejects.toBeInstanceOf(FencedError);
    // Refused is final: neither call was sent again.
    expect(fake.requests).toHaveLength(4);
  });

  it('put of null is a value like any other', async () => {
    const { dss, fake } = replies({ status: 200, body: { key: 'k', state: 'M' } });
    await dss.cache.put('k', null);
    expect(fake.requests[0]!.body).toEqual({ value: null });
  });

  it('flush without url flushes every cache node; with url only that one, retrying it in place', async () => {
    const all = replies({ status: 200, body: { flushed: 2 } });
    await expect(all.dss.cache.flush()).resolves.toEqual(ENDPOINTS.cache.map((url) => ({ url, flushed: 2 })));
    expect(all.fake.requests.map((r) => r.base).sort()).toEqual([...ENDPOINTS.cache].sort());
    const one = replies('refused', { status: 200, body: { flushed: 5 } });
    await expect(one.dss.cache.flush('http://cache3:8023/')).resolves.toEqual([
      { url: 'http://cache3:8023', flushed: 5 },
    ]);
    expect(one.fake.requests.map((r) => r.base)).toEqual(['http://cache3:8023', 'http://cache3:8023']);
  });

  it('flush of every node throws when one node cannot flush', async () => {
    const { dss } = client((req) =>
      req.base === 'http://cache2:8022' ? 'refused' : { status: 200, body: { flushed: 0 } },
    );
    const err = await dss.cache.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).attempts.every((a) => a.url === 'http://cache2:8022')).toBe(true);
  });
});

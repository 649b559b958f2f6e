import { EndpointPool, normaliseBaseUrl } from './endpoint-pool.js';

describe('EndpointPool', () => {
  const urls = ['http://a:1', 'http://b:2', 'http://c:3'];

  it('starts with the first, moves on failure and wraps around', () => {
    const pool = new EndpointPool(urls);
    expect(pool.current()).toBe('http://a:1');
    pool.failed('http://a:1');
    expect(pool.current()).toBe('http://b:2');
    pool.failed('http://b:2');
    pool.failed('http://c:3');
    expect(pool.current()).toBe('http://a:1');
  });

  it('skips a failed endpoint once even when several calls report it', () => {
    const pool = new EndpointPool(urls);
    pool.failed('http://a:1');
    pool.failed('http://a:1'); // a concurrent call that also used a
    expect(pool.current()).toBe('http://b:2');
  });

  it('sticks to the endpoint that answered', () => {
    const pool = new EndpointPool(urls);
    pool.succeeded('http://c:3');
    expect(pool.current()).toBe('http://c:3');
  });

  it('normalises base URLs and refuses non-http ones', () => {
    expect(normaliseBaseUrl('http://a:1/')).toBe('http://a:1');
    expect(() => normaliseBaseUrl('ftp://a')).toThrow(RangeError);
    expect(() => normaliseBaseUrl('a:1:2')).toThrow();
    expect(() => new EndpointPool([])).toThrow(RangeError);
  });
});

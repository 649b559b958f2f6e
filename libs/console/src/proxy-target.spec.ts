import { proxyTarget } from './proxy-target.js';

describe('what the console passes on to a daemon', () => {
  it('keeps the path and query as sent', () => {
    expect(proxyTarget('GET', '/api/d/lock/node2/lock/a%2Fb?x=1')).toEqual({
      role: 'lock',
      node: 'node2',
      method: 'GET',
      path: '/lock/a%2Fb?x=1',
    });
    expect(proxyTarget('DELETE', '/api/d/queue/any/queue/orders/dead')).toMatchObject({
      node: 'any',
      method: 'DELETE',
    });
    expect(proxyTarget('GET', '/api/d/lock/node1/cluster')).toMatchObject({ path: '/cluster' });
  });

  it.each([
    ['GET', '/api/d/lock/node1/metrics', 404],
    ['GET', '/api/d/lock/node1/lockx', 404],
    ['GET', '/api/d/lock/node1/lock/../metrics', 400],
    ['PATCH', '/api/d/lock/node1/lock/a', 400],
    ['GET', '/api/d/Lock/node1/lock/a', 400],
    ['GET', '/api/d/lock', 400],
  ] as const)('%s %s is refused with %d', (method, url, status) => {
    expect(proxyTarget(method, url)).toMatchObject({ status });
  });
});

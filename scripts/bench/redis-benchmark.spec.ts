import { parseRedisBenchmarkCsv, redisBenchmarkArgs, redisBenchmarkKeys } from './redis-benchmark.js';

describe('redis-benchmark', () => {
  it('reads the CSV of Redis 6.2+ (header, latency columns), in its order', () => {
    const csv = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"SET","38461.54","1.034","0.352","1.007","1.575","1.847","4.743"',
      '"GET","37664.78","1.062","0.440","0.975","1.639","4.303","5.519"',
      '"INCR","39920.16","1.001","0.352","0.975","1.511","1.791","4.935"',
      '',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(csv)).toEqual([
      { test: 'SET', rps: 38461.54, p50Ms: 1.007, p99Ms: 1.847 },
      { test: 'GET', rps: 37664.78, p50Ms: 0.975, p99Ms: 4.303 },
      { test: 'INCR', rps: 39920.16, p50Ms: 0.975, p99Ms: 1.791 },
    ]);
  });

  it('reads the older CSV (no header, test and rps only) and skips other lines', () => {
    const csv = 'WARNING: Could not fetch server CONFIG\r\n"SET","49212.60"\r\n"GET","46555.00"\r\n\r\n';
    expect(parseRedisBenchmarkCsv(csv)).toEqual([
      { test: 'SET', rps: 49212.6 },
      { test: 'GET', rps: 46555 },
    ]);
  });

  it('finds the columns by name and drops lines without a rate', () => {
    expect(parseRedisBenchmarkCsv('"test","p99_latency_ms","rps"\n"GET","2.5","100.5"\n"SET","1",""\n')).toEqual([
      { test: 'GET', rps: 100.5, p99Ms: 2.5 },
    ]);
    expect(parseRedisBenchmarkCsv('')).toEqual([]);
  });

  it('asks for 64 connections, no pipelining, the workloads key space and value size, CSV', () => {
    expect(
      redisBenchmarkArgs({
        host: '127.0.0.1',
        port: 7021,
        tests: ['get', 'set', 'incr'],
        requests: 100_000,
        clients: 64,
        keyspace: 10_000,
        valueBytes: 100,
      }),
    ).toEqual([
      '-h',
      '127.0.0.1',
      '-p',
      '7021',
      '-t',
      'get,set,incr',
      '-n',
      '100000',
      '-c',
      '64',
      '-P',
      '1',
      '-r',
      '10000',
      '-d',
      '100',
      '--csv',
    ]);
  });

  it('names the keys a run leaves behind', () => {
    const keys = redisBenchmarkKeys(10_000);
    expect(keys).toHaveLength(20_000);
    expect(keys.slice(0, 2)).toEqual(['key:000000000000', 'counter:000000000000']);
    expect(keys).toContain('key:000000009999');
  });
});

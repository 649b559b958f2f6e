import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getToken } from '@willsoto/nestjs-prometheus';
import { register, type Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, latencyHistogramProvider } from './latency-histogram.js';
import { MetricsModule } from './metrics.module.js';

describe('latencyHistogramProvider', () => {
  afterEach(() => register.clear());

  it('has ascending buckets from 0.1 ms to 60 s', () => {
    expect(LATENCY_BUCKETS_SECONDS[0]).toBe(0.0001);
    expect(LATENCY_BUCKETS_SECONDS.at(-1)).toBe(60);
    expect(LATENCY_BUCKETS_SECONDS.every((b, i) => i === 0 || b > LATENCY_BUCKETS_SECONDS[i - 1]!)).toBe(true);
  });

  it('registers a histogram with the DSS latency buckets and the given labels', async () => {
    const provider = latencyHistogramProvider({
      name: 'dss_test_duration_seconds',
      help: 'test',
      labelNames: ['kind'],
    });
    @Module({
      imports: [MetricsModule.forRoot({ node: 'n1', role: 'lock' })],
      providers: [provider],
      exports: [provider],
    })
    class M {}
    const app = await Test.createTestingModule({ imports: [M] }).compile();
    app.get<Histogram<'kind'>>(getToken('dss_test_duration_seconds')).observe({ kind: 'a' }, 0.003);
    const text = await register.metrics();
    const les = [...text.matchAll(/dss_test_duration_seconds_bucket\{le="([^"]+)"[^}]*kind="a"/g)].map((m) => m[1]);
    expect(les).toEqual([...LATENCY_BUCKETS_SECONDS.map(String), '+Inf']);
    await app.close();
  });

  it('registers one without labels', async () => {
    const provider = latencyHistogramProvider({ name: 'dss_test_unlabelled_seconds', help: 'test' });
    const app = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ node: 'n1', role: 'lock' })],
      providers: [provider],
    }).compile();
    app.get<Histogram>(getToken('dss_test_unlabelled_seconds')).observe(0.5);
    expect(await register.metrics()).toMatch(/dss_test_unlabelled_seconds_count\{[^}]*\} 1/);
    await app.close();
  });
});

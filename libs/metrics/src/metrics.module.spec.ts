import perfHooks from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { EVENT_LOOP_SAMPLE_MS, MetricsModule } from './metrics.module.js';

describe('MetricsModule', () => {
  afterEach(() => {
    register.clear();
    jest.restoreAllMocks();
  });

  it('samples the event loop every 100 ms, not every 10 ms, and still exports its lag', async () => {
    // Each sample wakes an idle daemon (metrics.module.ts): prom-client's 10 ms default
    // is 100 wake-ups a second per process.
    expect(EVENT_LOOP_SAMPLE_MS).toBe(100);
    const monitor = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
    const app = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ node: 'n1', role: 'lock' })],
    }).compile();
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(monitor).toHaveBeenCalledWith({ resolution: EVENT_LOOP_SAMPLE_MS });
    const text = await register.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds\{node="n1",role="lock"\} /m);
    await app.close();
  });
});

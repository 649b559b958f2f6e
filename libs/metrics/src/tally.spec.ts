import { Test } from '@nestjs/testing';
import { getToken, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { register, type Counter } from 'prom-client';
import { MetricsModule } from './metrics.module.js';
import { tally, tallyCounterProvider } from './tally.js';

describe('tally', () => {
  afterEach(() => register.clear());

  async function counters() {
    const app = await Test.createTestingModule({
      imports: [MetricsModule.forRoot({ node: 'n1', role: 'cache' })],
      providers: [
        tallyCounterProvider({ name: 'dss_test_hits_total', help: 'hits', labelNames: ['outcome'] }),
        makeCounterProvider({ name: 'dss_test_plain_total', help: 'plain' }),
        tallyCounterProvider({ name: 'dss_test_total', help: 'total' }),
      ],
    }).compile();
    return {
      app,
      hits: app.get<Counter<'outcome'>>(getToken('dss_test_hits_total')),
      plain: app.get<Counter>(getToken('dss_test_plain_total')),
      total: app.get<Counter>(getToken('dss_test_total')),
    };
  }

  const series = async (labels: string): Promise<number | undefined> => {
    const line = (await register.metrics()).split('\n').find((l) => l.startsWith(`dss_test_hits_total{${labels}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('shows every add in the next scrape, beside the series counted with inc', async () => {
    const { app, hits } = await counters();
    const local = tally(hits, { outcome: 'local' });
    local.add();
    local.add(3);
    hits.inc({ outcome: 'peer' });
    expect(await series('outcome="local"')).toBe(4);
    expect(await series('outcome="peer"')).toBe(1);
    // Counted once: the next scrape adds only what came after the last one.
    local.add(2);
    expect(await series('outcome="local"')).toBe(6);
    expect(await series('outcome="local"')).toBe(6);
    await app.close();
  });

  it('counts a counter without labels, and refuses a counter whose scrape would not flush', async () => {
    const { app, plain, total } = await counters();
    expect(() => tally(plain)).toThrow(/tallyCounterProvider/);
    tally(total).add(5);
    expect((await register.metrics()).split('\n')).toContain('dss_test_total{node="n1",role="cache"} 5');
    await app.close();
  });
});

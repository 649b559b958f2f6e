import { localClusterDescription } from '@dss/config/pure';
import { prometheusConfig, renderPrometheusConfig } from './prometheus-config.js';

describe('prometheusConfig', () => {
  const cluster = localClusterDescription();
  const config = prometheusConfig({
    cluster,
    prometheus: '127.0.0.1:9090',
    redisExporters: [{ address: '127.0.0.1:9121', node: 'node1' }],
    nodeExporters: [{ address: '127.0.0.1:9100', node: 'node1' }],
    ruleFiles: ['/rules/dss.rules.yml'],
    scrapeIntervalS: 5,
  });

  it('scrapes every daemon of every role, labelled with its node and role', () => {
    const lock = config.scrape_configs.find((j) => j.job_name === 'dss-lock')!;
    expect(lock.honor_labels).toBe(true);
    expect(lock.static_configs).toEqual([
      { targets: ['127.0.0.1:8001'], labels: { node: 'node1', role: 'lock' } },
      { targets: ['127.0.0.1:8002'], labels: { node: 'node2', role: 'lock' } },
      { targets: ['127.0.0.1:8003'], labels: { node: 'node3', role: 'lock' } },
    ]);
    const targets = config.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
    expect(targets).toHaveLength(9 + 3);
    expect(config.scrape_configs.map((j) => j.job_name)).toEqual([
      'dss-lock',
      'dss-queue',
      'dss-cache',
      'redis',
      'node',
      'prometheus',
    ]);
  });

  it('leaves out exporters that are not there, and renders text Prometheus reads', () => {
    const bare = prometheusConfig({
      cluster,
      prometheus: '127.0.0.1:9090',
      redisExporters: [],
      nodeExporters: [],
      ruleFiles: [],
      scrapeIntervalS: 1,
    });
    expect(bare.scrape_configs.map((j) => j.job_name)).toEqual(['dss-lock', 'dss-queue', 'dss-cache', 'prometheus']);
    expect(bare.global.scrape_interval).toBe('1s');
    const text = renderPrometheusConfig(config);
    expect(text.startsWith('# Generated')).toBe(true);
    expect(JSON.parse(text.slice(text.indexOf('\n') + 1))).toEqual(config);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localClusterDescription } from '@dss/config';
import { prometheusConfig, renderPrometheusConfig } from '../../scripts/monitoring/prometheus-config.js';
import { requiredTool } from '../support/tools.js';

// promtool on what we ship: the generated Prometheus configuration, the alert
// rules, and the rules' unit tests (test/monitoring/*.test.yml).

const ROOT = resolve(__dirname, '..', '..');
const RULES_DIR = join(ROOT, 'ansible', 'roles', 'prometheus', 'files', 'rules');
const promtool = requiredTool('promtool');
// Without promtool (a laptop without Prometheus) the suite reports itself skipped; CI installs it.
const suite = promtool ? describe : describe.skip;

const run = (...args: string[]) =>
  execFileSync(promtool!, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const yamlIn = (dir: string, suffix: RegExp) =>
  readdirSync(dir)
    .filter((f) => suffix.test(f))
    .map((f) => join(dir, f));

suite('promtool', () => {
  const ruleFiles = yamlIn(RULES_DIR, /\.ya?ml$/);

  it('accepts the alert rules', () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    expect(run('check', 'rules', ...ruleFiles)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the rule unit tests', () => {
    const tests = yamlIn(join(ROOT, 'test', 'monitoring'), /\.test\.ya?ml$/);
    expect(tests.length).toBeGreaterThan(0);
    expect(run('test', 'rules', ...tests)).toContain('SUCCESS');
  });

  it('accepts the configuration npm run monitor generates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dss-promtool-'));
    try {
      const file = join(dir, 'prometheus.yml');
      const config = prometheusConfig({
        cluster: localClusterDescription(),
        prometheus: '127.0.0.1:9090',
        redisExporters: [{ address: '127.0.0.1:9121', node: 'node1' }],
        nodeExporters: [{ address: '127.0.0.1:9100', node: 'node1' }],
        ruleFiles,
        scrapeIntervalS: 5,
      });
      writeFileSync(file, renderPrometheusConfig(config));
      expect(run('check', 'config', file)).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

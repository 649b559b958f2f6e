import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SUITE_BY_NAME_ENV } from './suite-gate.js';

// `npm run test:chaos -- --duration 600 --seed 7`: the fault-injection suite
// (test/chaos) with a chosen length and seed. The same seed and duration give
// the same fault schedule (docs/correctness.md, "Reproducing a run").

const USAGE = `usage: npm run test:chaos -- [--duration SECONDS] [--seed N] [--kinds K1,K2] [--dir DIR] [--require-availability]
  --duration  length of the faulty phase in seconds (>= 30; default: long enough for every kind of fault once)
  --seed      seed of the fault schedule and of every workload's choices (default 1)
  --kinds     only these kinds of fault, comma-separated (default: all of them; the list is in docs/correctness.md)
  --dir       where report.json, availability.json, the charts, the histories and the run log go (default .dss/chaos/seed-N-<time>)
  --require-availability
              fail (exit 1) when a service missed its availability target under a fault that left a majority
              (back within 1 s for locks, 3 s otherwise, then >= 99 % served); without it availability is only reported`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: {
  duration?: string;
  seed?: string;
  kinds?: string;
  dir?: string;
  'require-availability'?: boolean;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      duration: { type: 'string' },
      seed: { type: 'string' },
      kinds: { type: 'string' },
      dir: { type: 'string' },
      'require-availability': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err: unknown) {
  fail(err instanceof Error ? err.message : String(err));
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
// Asked for by name: a machine that cannot run the suite fails the run (with what is missing) instead of skipping it.
const env: NodeJS.ProcessEnv = { ...process.env, [SUITE_BY_NAME_ENV]: 'chaos' };
if (values.duration !== undefined) {
  if (!/^\d+$/.test(values.duration) || Number(values.duration) < 30)
    fail(`--duration must be a whole number of seconds, at least 30 (got '${values.duration}')`);
  env.DSS_CHAOS_SECONDS = values.duration;
}
if (values.seed !== undefined) {
  if (!/^\d+$/.test(values.seed) || Number(values.seed) > 2 ** 31)
    fail(`--seed must be a whole number below 2^31 (got '${values.seed}')`);
  env.DSS_CHAOS_SEED = values.seed;
}
// The suite checks the names (and lists the valid ones) when it loads.
if (values.kinds !== undefined) env.DSS_CHAOS_KINDS = values.kinds;
if (values.dir !== undefined) env.DSS_CHAOS_DIR = values.dir;
if (values['require-availability']) env.DSS_CHAOS_REQUIRE_AVAILABILITY = '1';

const jest = join(root, 'node_modules', '.bin', 'jest');
const result = spawnSync(
  jest,
  ['test/chaos/chaos.test.ts', '--selectProjects', 'integration', '--runInBand', '--verbose'],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(result.status ?? 1);

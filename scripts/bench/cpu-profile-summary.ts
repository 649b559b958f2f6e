// Self time per function of a V8 CPU profile (node --cpu-prof; DSS_CPU_PROF_DIR
// makes every daemon write one, docs/benchmarks.md), over a window of it, and
// how busy the process was each second (to find the window: a benchmark's load
// shows as the busy seconds).
//   node dist/scripts/bench/cpu-profile-summary.js <file.cpuprofile> [--from 20] [--to 30] [--top 40] [--timeline]
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

const program = new Command()
  .argument('<profile>', 'a .cpuprofile file')
  .addOption(new Option('--from <s>', 'window start, seconds into the profile').argParser(Number).default(0))
  .addOption(new Option('--to <s>', 'window end, seconds into the profile').argParser(Number).default(Infinity))
  .addOption(new Option('--top <n>', 'functions listed').argParser(Number).default(40))
  .option('--timeline', 'print the busy share of every second first')
  .parse();
const opts = program.opts<{ from: number; to: number; top: number; timeline?: boolean }>();
const profile = JSON.parse(readFileSync(program.args[0]!, 'utf8')) as Profile;
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const label = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '')}:${f.lineNumber + 1}`;

const self = new Map<string, number>();
const seconds = new Map<number, { all: number; idle: number }>();
let t = 0;
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]! / 1e6;
  const frame = frames.get(profile.samples[i]!)!;
  const idle = frame.functionName === '(idle)';
  const second = seconds.get(Math.floor(t)) ?? { all: 0, idle: 0 };
  second.all++;
  if (idle) second.idle++;
  seconds.set(Math.floor(t), second);
  if (t < opts.from || t > opts.to || idle) continue;
  busy++;
  self.set(label(frame), (self.get(label(frame)) ?? 0) + 1);
}
if (opts.timeline)
  for (const [s, c] of seconds)
    console.log(`${String(s).padStart(4)} s  busy ${Math.round((100 * (c.all - c.idle)) / c.all)} %`);
console.log(`${busy} busy samples in the window; self time as a share of them:`);
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, opts.top))
  console.log(`${((100 * n) / busy).toFixed(1).padStart(5)} %  ${name}`);

// Hash-ring benchmark and measurement program (not a test). Prints lookups/s and the balance
// and movement figures quoted in the README, for the ring and for rendezvous hashing. Build with
// the project's tsc, then:  node dist/libs/hashing/src/ring.bench.js [keys=100000] [vnodes=160]
import { HashRing } from './hash-ring.js';
import { Rendezvous } from './rendezvous.js';
import { seededKeys } from './seeded-keys.js';

type Owner = (key: string) => string;

const nodeIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `node${i + 1}`);

function balance(
  owner: Owner,
  nodes: readonly string[],
  keys: readonly string[],
): { min: number; max: number; ratio: number } {
  const counts = new Map(nodes.map((id) => [id, 0]));
  for (const key of keys) {
    const o = owner(key);
    counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  const mean = keys.length / nodes.length;
  const values = [...counts.values()];
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { min: min / mean - 1, max: max / mean - 1, ratio: max / min };
}

function moved(before: Owner, after: Owner, keys: readonly string[]): number {
  let count = 0;
  for (const key of keys) if (before(key) !== after(key)) count++;
  return count / keys.length;
}

function rate(label: string, keys: readonly string[], lookup: (key: string) => unknown): void {
  for (let i = 0; i < Math.min(keys.length, 20_000); i++) lookup(keys[i]); // warm-up for the JIT
  const rounds = 5;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const key of keys) lookup(key);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const perSecond = (rounds * keys.length) / seconds;
  console.log(
    `  ${label.padEnd(34)} ${(perSecond / 1e6).toFixed(2).padStart(6)} M lookups/s  ${((1e9 * seconds) / (rounds * keys.length)).toFixed(0).padStart(5)} ns/lookup`,
  );
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;

function main(): void {
  const keyCount = Number(process.argv[2] ?? 100_000);
  const vnodes = Number(process.argv[3] ?? 160);
  const keys = seededKeys(keyCount);
  console.log(`${keyCount} seeded keys, ${vnodes} vnodes per node, Node ${process.version}`);
  for (const n of [3, 5, 10, 15]) {
    const nodes = nodeIds(n);
    const ring = new HashRing(nodes, { vnodes });
    const grown = ring.with(`node${n + 1}`);
    const rendezvous = new Rendezvous(nodes);
    const rendezvousGrown = new Rendezvous(grown.nodes);
    const hrw: Owner = (k) => rendezvous.owner(k);
    const hrwGrown: Owner = (k) => rendezvousGrown.owner(k);
    const rb = balance((k) => ring.owner(k), nodes, keys);
    const hb = balance(hrw, nodes, keys);
    const shares = [...ring.ownership().values()];
    console.log(`\n${n} nodes (join ideal ${(100 / (n + 1)).toFixed(2)}% moved)`);
    console.log(
      `  ring: keys/mean ${pct(rb.min)}..${pct(rb.max)}, max/min ${rb.ratio.toFixed(3)}; arc share/mean ${pct(Math.min(...shares) * n - 1)}..${pct(Math.max(...shares) * n - 1)}; join moves ${(
        100 *
        moved(
          (k) => ring.owner(k),
          (k) => grown.owner(k),
          keys,
        )
      ).toFixed(2)}%`,
    );
    console.log(
      `  hrw:  keys/mean ${pct(hb.min)}..${pct(hb.max)}, max/min ${hb.ratio.toFixed(3)}; join moves ${(100 * moved(hrw, hrwGrown, keys)).toFixed(2)}%`,
    );
    rate('ring.owner', keys, (k) => ring.owner(k));
    rate('ring.preferenceList(k, 3)', keys, (k) => ring.preferenceList(k, 3));
    rate('ring.ownerAmong(k, all but one)', keys, (k) => ring.ownerAmong(k, nodes.slice(1)));
    rate('rendezvous.owner', keys, hrw);
  }
  const t0 = process.hrtime.bigint();
  new HashRing(nodeIds(15), { vnodes });
  console.log(`\nbuilding a 15-node ring: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`);
}

main();

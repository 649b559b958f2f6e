import type { NetnsHosts } from '../support/netns/index.js';

// Network faults between the hosts, as iptables rules in each host's own
// namespace (a chain of ours hooked into INPUT): traffic between hosts is cut,
// while the test's clients on the bridge still reach every host, as Jepsen's
// clients do. Dropping on INPUT only is enough for TCP to break both ways, and
// lets a one-way cut be exactly one rule set.

const CHAIN = 'DSSCHAOS';

/** Each entry: `node` drops every packet it receives from `from`. */
export interface Drop {
  readonly node: string;
  readonly from: string;
}

/** Both directions between every pair of `a` × `b`. */
export function cut(a: readonly string[], b: readonly string[]): Drop[] {
  return a.flatMap((x) =>
    b
      .filter((y) => y !== x)
      .flatMap((y) => [
        { node: x, from: y },
        { node: y, from: x },
      ]),
  );
}

/** `node` is cut off from the rest (the minority side of a majority/minority split). */
export function isolate(node: string, all: readonly string[]): Drop[] {
  return cut(
    [node],
    all.filter((n) => n !== node),
  );
}

/** Everyone sees `middle`, the others do not see each other (Jepsen's bridge). */
export function bridge(middle: string, all: readonly string[]): Drop[] {
  const ends = all.filter((n) => n !== middle);
  return ends.flatMap((x, i) => ends.slice(i + 1).flatMap((y) => cut([x], [y])));
}

/** `node` hears nobody, but its own packets still arrive: one-way. */
export function deafen(node: string, all: readonly string[]): Drop[] {
  return all.filter((n) => n !== node).map((from) => ({ node, from }));
}

/** Nodes that lost contact with at least one other node. */
export function affectedNodes(drops: readonly Drop[]): string[] {
  return [...new Set(drops.flatMap((d) => [d.node, d.from]))].sort();
}

export class Partitioner {
  constructor(private readonly net: NetnsHosts) {}

  async install(): Promise<void> {
    for (const h of this.net.hosts) {
      await this.iptables(h.name, ['-N', CHAIN]);
      await this.iptables(h.name, ['-I', 'INPUT', '-j', CHAIN]);
    }
  }

  async apply(drops: readonly Drop[]): Promise<void> {
    for (const d of drops)
      await this.iptables(d.node, ['-A', CHAIN, '-s', this.net.host(d.from).address, '-j', 'DROP']);
  }

  async heal(): Promise<void> {
    for (const h of this.net.hosts) await this.iptables(h.name, ['-F', CHAIN]);
  }

  /** Rules now in force, as `node<-from` pairs (for tests and the run log). */
  async current(): Promise<string[]> {
    const out: string[] = [];
    for (const h of this.net.hosts) {
      const res = await this.net.exec(h.name, ['iptables', '-S', CHAIN]);
      for (const m of res.stdout.matchAll(/-s (\S+?)(?:\/32)? -j DROP/g))
        out.push(`${h.name}<-${this.net.host(m[1]!).name}`);
    }
    return out.sort();
  }

  private async iptables(node: string, args: readonly string[]): Promise<void> {
    const res = await this.net.exec(node, ['iptables', '-w', '5', ...args], { timeoutMs: 15_000 });
    if (res.code !== 0)
      throw new Error(`iptables ${args.join(' ')} on ${node}: ${res.stderr.trim() || `exit ${res.code}`}`);
  }
}

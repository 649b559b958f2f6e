import { run } from './run-command.js';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `ip -j <args>` as a list of objects; [] when ip prints nothing (an empty list). */
export async function ipJson(args: readonly string[]): Promise<JsonObject[]> {
  const res = await run('ip', ['-j', ...args]);
  if (res.code !== 0) throw new Error(`ip -j ${args.join(' ')} exited with ${res.code}: ${res.stderr.trim()}`);
  const parsed: unknown = JSON.parse(res.stdout.trim() || '[]');
  return Array.isArray(parsed) ? parsed.filter(isObject) : [];
}

export async function linkNames(): Promise<string[]> {
  return (await ipJson(['link', 'show'])).map((l) => l.ifname).filter((n): n is string => typeof n === 'string');
}

/** IPv4 addresses configured in the root namespace, with their interface. */
export async function ipv4Addresses(): Promise<{ ifname: string; local: string }[]> {
  const out: { ifname: string; local: string }[] = [];
  for (const link of await ipJson(['-4', 'addr', 'show'])) {
    const infos = Array.isArray(link.addr_info) ? link.addr_info : [];
    for (const info of infos) {
      if (isObject(info) && typeof info.local === 'string')
        out.push({ ifname: String(link.ifname), local: info.local });
    }
  }
  return out;
}

export async function ipv4RouteDestinations(): Promise<string[]> {
  return (await ipJson(['-4', 'route', 'show'])).map((r) => r.dst).filter((d): d is string => typeof d === 'string');
}

/** Names from `ip netns list` ("name (id: 3)" lines). */
export async function netnsNames(): Promise<string[]> {
  const res = await run('ip', ['netns', 'list']);
  return res.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

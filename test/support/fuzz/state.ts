import { isDeepStrictEqual } from 'node:util';
import { P, type Role } from './endpoints.js';
import { send, type RawAnswer } from './raw-http.js';

// The known state the fuzzer aims at, per role: set up, read back as a
// baseline, compared after every answer that must not have changed it, and
// re-established after a valid request did change it.

export type UrlOf = (role: Role, node: string) => string;

export interface Domain {
  /** Placeholder -> the name it stands for now. */
  names(): Record<string, string>;
  /**
   * Makes the known state hold again and records it as the baseline. `after` is
   * the text (path and body) of a request that got a 2xx or changed the state:
   * it may have set something not visible yet (a lease or a visibility of
   * 100 ms), so the state is re-established even if it still looks the same.
   */
  reset(after?: string): Promise<void>;
  /** What differs from the baseline now, or null when nothing does. */
  diff(): Promise<string | null>;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  return send({
    method,
    origin: url,
    path,
    ...(body === undefined ? {} : { contentType: 'application/json', body: JSON.stringify(body) }),
  });
}

/** Throws unless the answer has one of the statuses: set-up and reads must work. */
function expectStatus(a: RawAnswer, what: string, ...ok: number[]): RawAnswer {
  if (!ok.includes(a.status))
    throw new Error(`${what}: expected ${ok.join('/')}, got ${a.status} ${a.text.slice(0, 300)}`);
  return a;
}

const describeDiff = (what: string, before: unknown, after: unknown): string =>
  `${what} changed:\n  before ${JSON.stringify(before)}\n  after  ${JSON.stringify(after)}`;

// ---- locks -----------------------------------------------------------------------

interface Holder {
  owner: string;
  mode: string;
  fencingToken: number;
  expiresInMs: number;
}
interface LockView {
  holders: Holder[];
  waiters: { owner: string; mode: string }[];
}

/** A lease renewed by a request that failed would show as a remaining time that went up; allow this much jitter. */
const LEASE_JITTER_MS = 500;
const HELD_TTL_MS = 3_000_000;

/**
 * `held` is held exclusively by `owner` with a long lease; `free` is held by
 * nobody. Compared: holders (owner, mode, fencing token), waiters, and that
 * the lease on `held` was not extended.
 */
export class LockDomain implements Domain {
  readonly held = 'fz-held';
  readonly free = 'fz-free';
  readonly owner = 'fz-owner';
  private baseline?: { held: LockView; free: LockView; at: number };

  constructor(private readonly url: UrlOf) {}

  names(): Record<string, string> {
    return { [P.resource]: this.held, [P.free]: this.free, [P.owner]: this.owner };
  }

  async read(resource: string): Promise<LockView> {
    const a = expectStatus(
      await call(this.url('lock', 'node1'), 'GET', `/lock/${encodeURIComponent(resource)}`),
      `GET /lock/${resource}`,
      200,
    );
    return a.json as LockView;
  }

  private post(path: string, body: unknown): Promise<RawAnswer> {
    return call(this.url('lock', 'node1'), 'POST', path, body);
  }

  async reset(after?: string): Promise<void> {
    if (after === undefined && this.baseline && (await this.diff()) === null) return;
    const held = await this.read(this.held);
    for (const h of held.holders) {
      if (h.owner !== this.owner || h.mode !== 'exclusive')
        expectStatus(await this.post('/lock/release', { resource: this.held, owner: h.owner }), 'release', 200, 404);
    }
    // Re-acquiring what one holds refreshes the lease and keeps the token.
    expectStatus(
      await this.post('/lock/acquire', { resource: this.held, owner: this.owner, ttlMs: HELD_TTL_MS }),
      'acquire the held lock',
      200,
    );
    for (const h of (await this.read(this.free)).holders)
      expectStatus(await this.post('/lock/release', { resource: this.free, owner: h.owner }), 'release', 200, 404);
    // Waiters (a valid acquire waits at most 50 ms here) leave on their own.
    const deadline = Date.now() + 5000;
    for (;;) {
      const views = [await this.read(this.held), await this.read(this.free)];
      if (views.every((v) => v.waiters.length === 0)) break;
      if (Date.now() > deadline) throw new Error(`lock waiters did not leave: ${JSON.stringify(views)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const at = Date.now();
    this.baseline = { held: await this.read(this.held), free: await this.read(this.free), at };
  }

  async diff(): Promise<string | null> {
    const base = this.baseline!;
    const at = Date.now(); // before the reads, so slow reads cannot look like an extended lease
    const now = { held: await this.read(this.held), free: await this.read(this.free) };
    const stable = (v: LockView) => ({
      holders: v.holders.map(({ owner, mode, fencingToken }) => ({ owner, mode, fencingToken })),
      waiters: v.waiters,
    });
    for (const name of ['held', 'free'] as const) {
      if (!isDeepStrictEqual(stable(base[name]), stable(now[name])))
        return describeDiff(`lock ${name === 'held' ? this.held : this.free}`, base[name], now[name]);
    }
    // The lease runs down with time; more left than the baseline minus the time since means it was renewed.
    const expected = base.held.holders[0]!.expiresInMs - (at - base.at);
    const left = now.held.holders[0]!.expiresInMs;
    if (left > expected + LEASE_JITTER_MS)
      return `the lease on ${this.held} was extended: ${expected} ms expected to be left, ${left} ms left`;
    return null;
  }
}

// ---- queue -----------------------------------------------------------------------

interface TopicState {
  stats: {
    ready: number;
    inflight: number;
    delayed: number;
    dead: number;
    waiting: number;
    groups: number;
    /** The topic's fence; null when no fenced publish was accepted. */
    fence: number | null;
  };
  dead: string[];
}

const HOUR = 3600_000;

/**
 * A fresh topic per build with one message of each kind: 2 ready, 1 in flight
 * (its receipt is `live`, visible again only in 12 h), 1 delayed by a week,
 * 1 dead; `stale` is the receipt of a message acked already. Compared: the
 * four counts and the dead-letter ids. A change rebuilds on a new topic.
 */
export class QueueDomain implements Domain {
  private generation = 0;
  private readonly run = Date.now().toString(36);
  topic = '';
  live = '';
  stale = '';
  private baseline?: TopicState;

  constructor(private readonly url: UrlOf) {}

  names(): Record<string, string> {
    return { [P.topic]: this.topic, [P.live]: this.live, [P.stale]: this.stale };
  }

  private post(path: string, body: unknown): Promise<RawAnswer> {
    return call(this.url('queue', 'node1'), 'POST', path, body);
  }

  async read(): Promise<TopicState> {
    const stats = expectStatus(
      await call(this.url('queue', 'node1'), 'GET', `/queue/${this.topic}`),
      `GET /queue/${this.topic}`,
      200,
    ).json as Omit<TopicState['stats'], 'fence'> & { fence?: number };
    const dead = expectStatus(
      await call(this.url('queue', 'node1'), 'GET', `/queue/${this.topic}/dead`),
      `GET /queue/${this.topic}/dead`,
      200,
    ).json as { messages: { id: string }[] };
    return {
      stats: {
        ready: stats.ready,
        inflight: stats.inflight,
        delayed: stats.delayed,
        dead: stats.dead,
        waiting: stats.waiting,
        groups: stats.groups,
        fence: stats.fence ?? null,
      },
      dead: dead.messages.map((m) => m.id),
    };
  }

  private async publish(body: Record<string, unknown>): Promise<void> {
    expectStatus(await this.post('/queue/publish', { topic: this.topic, ...body }), 'publish', 201);
  }

  private async consumeOne(visibilityMs: number): Promise<string> {
    const a = expectStatus(await this.post('/queue/consume', { topic: this.topic, visibilityMs }), 'consume', 200);
    const [m] = (a.json as { messages: { receipt: string }[] }).messages;
    if (!m) throw new Error(`consume on ${this.topic} found nothing`);
    return m.receipt;
  }

  private async build(): Promise<void> {
    this.topic = `fz-q-${this.run}-${++this.generation}`;
    // Dead: five deliveries, each nacked (a nack puts it back at the head).
    await this.publish({ message: { kind: 'dead' } });
    for (let i = 0; i < 5; i++)
      expectStatus(
        await this.post('/queue/nack', { topic: this.topic, receipt: await this.consumeOne(60_000) }),
        'nack',
        200,
      );
    // Stale: delivered and acked.
    await this.publish({ message: { kind: 'stale' } });
    this.stale = await this.consumeOne(60_000);
    expectStatus(await this.post('/queue/ack', { topic: this.topic, receipt: this.stale }), 'ack', 200);
    // Ready x2 behind one in flight for 12 h, and one delayed by a week.
    await this.publish({ messages: [{ kind: 'live' }, { kind: 'ready', n: 1 }, { kind: 'ready', n: 2 }] });
    this.live = await this.consumeOne(12 * HOUR);
    await this.publish({ message: { kind: 'delayed' }, delayMs: 7 * 24 * HOUR });
    const state = await this.read();
    const expected = { ready: 2, inflight: 1, delayed: 1, dead: 1, waiting: 0, groups: 0, fence: null };
    if (!isDeepStrictEqual(state.stats, expected))
      throw new Error(
        `queue fixture on ${this.topic}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(state.stats)}`,
      );
    this.baseline = state;
  }

  async reset(after?: string): Promise<void> {
    // Only a request naming the live receipt can change its deadline unseen; any other change shows in the counts.
    const touchedLive = after !== undefined && this.live !== '' && after.includes(this.live);
    if (!touchedLive && this.baseline && (await this.diff()) === null) return;
    await this.build();
  }

  async diff(): Promise<string | null> {
    const now = await this.read();
    return isDeepStrictEqual(now, this.baseline) ? null : describeDiff(`topic ${this.topic}`, this.baseline, now);
  }
}

// ---- cache -----------------------------------------------------------------------

const CACHE_VALUE = { n: 1, s: 'fuzz', list: [1, 2, 3], nested: { ok: true } };

/** `key` holds a known value on every node; `absent` holds nothing. */
export class CacheDomain implements Domain {
  readonly key = 'fz-key';
  readonly absent = 'fz-absent';
  private established = false;

  constructor(private readonly url: UrlOf) {}

  names(): Record<string, string> {
    return { [P.key]: this.key, [P.absent]: this.absent };
  }

  async reset(after?: string): Promise<void> {
    if (after === undefined && this.established && (await this.diff()) === null) return;
    expectStatus(
      await call(this.url('cache', 'node1'), 'PUT', `/cache/${this.key}`, { value: CACHE_VALUE }),
      'PUT the known key',
      200,
    );
    expectStatus(
      await call(this.url('cache', 'node2'), 'DELETE', `/cache/${this.absent}`),
      'DELETE the absent key',
      200,
      404,
    );
    this.established = true;
    const d = await this.diff();
    if (d !== null) throw new Error(`cache fixture did not hold: ${d}`);
  }

  async diff(): Promise<string | null> {
    for (const node of ['node1', 'node2', 'node3']) {
      const a = expectStatus(
        await call(this.url('cache', node), 'GET', `/cache/${this.key}`),
        `GET /cache/${this.key} on ${node}`,
        200,
        404,
      );
      const value = a.status === 200 ? (a.json as { value: unknown }).value : '(404)';
      if (!isDeepStrictEqual(value, CACHE_VALUE))
        return describeDiff(`cache key ${this.key} read on ${node}`, CACHE_VALUE, value);
    }
    const a = expectStatus(
      await call(this.url('cache', 'node3'), 'GET', `/cache/${this.absent}`),
      `GET /cache/${this.absent}`,
      200,
      404,
    );
    return a.status === 404 ? null : describeDiff(`cache key ${this.absent}`, '(404)', a.json);
  }
}

/** The routes every daemon has touch no state of their own. */
export const NO_STATE: Domain = { names: () => ({}), reset: async () => {}, diff: async () => null };

import { TopicSignals, type WaitEnd } from './topic-signals.js';
import type { ConsumedMessage } from './storage/queue-types.js';

const SIGNAL: WaitEnd = { kind: 'signal' };
const TIMEOUT: WaitEnd = { kind: 'timeout' };

describe('TopicSignals', () => {
  it('wakes every waiter of a topic, and only of that topic', async () => {
    const s = new TopicSignals();
    const a1 = s.wait('a', 5000);
    const a2 = s.wait('a', 5000);
    const b = s.wait('b', 50);
    s.signal('a');
    await expect(Promise.all([a1, a2, b])).resolves.toEqual([SIGNAL, SIGNAL, TIMEOUT]);
    expect(s.waiting).toBe(0);
  });

  it('wakes only as many waiters as there are new messages, longest waiting first', async () => {
    const s = new TopicSignals();
    const first = s.wait('t', 200);
    const second = s.wait('t', 200);
    const third = s.wait('t', 200);
    s.signal('t', 2);
    await expect(Promise.all([first, second, third])).resolves.toEqual([SIGNAL, SIGNAL, TIMEOUT]);
  });

  it('times out a wait nobody signals', async () => {
    const s = new TopicSignals();
    const started = Date.now();
    await expect(s.wait('quiet', 30)).resolves.toEqual(TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  const message = (id: string): ConsumedMessage => ({
    id,
    receipt: `n.${id}`,
    body: id,
    deliveries: 1,
    publishedAt: 0,
  });

  it('lets a publish claim the longest waiter with an appetite, and hand it messages', async () => {
    const s = new TopicSignals();
    const plain = s.wait('t', 5000);
    const hungry = s.wait('t', 5000, { max: 10, visibilityMs: 1000 });
    const claim = s.claim('t');
    expect(claim).toMatchObject({ max: 10, visibilityMs: 1000 });
    // Claimed: a signal no longer reaches it, only the plain waiter.
    expect(s.signal('t')).toBe(1);
    await expect(plain).resolves.toEqual(SIGNAL);
    claim!.hand([message('a')]);
    await expect(hungry).resolves.toEqual({ kind: 'handoff', messages: [message('a')] });
    expect(s.waiting).toBe(0);
  });

  it('keeps a claimed waiter past its timeout until it is handed something', async () => {
    const s = new TopicSignals();
    const waiting = s.wait('t', 20, { max: 1, visibilityMs: 1000 });
    const claim = s.claim('t')!;
    await new Promise((r) => setTimeout(r, 60));
    claim.hand([message('late')]);
    await expect(waiting).resolves.toEqual({ kind: 'handoff', messages: [message('late')] });
  });

  it('wakes a claimed waiter to look for itself when the publish took nothing', async () => {
    const s = new TopicSignals();
    const waiting = s.wait('t', 5000, { max: 1, visibilityMs: 1000 });
    s.claim('t')!.hand([]);
    await expect(waiting).resolves.toEqual(SIGNAL);
  });

  it('claims nobody without an appetite', async () => {
    const s = new TopicSignals();
    const plain = s.wait('t', 20);
    expect(s.claim('t')).toBeUndefined();
    expect(s.claim('other')).toBeUndefined();
    await expect(plain).resolves.toEqual(TIMEOUT);
  });
});

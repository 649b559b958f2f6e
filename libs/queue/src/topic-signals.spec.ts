import { TopicSignals } from './topic-signals.js';

describe('TopicSignals', () => {
  it('wakes every waiter of a topic, and only of that topic', async () => {
    const s = new TopicSignals();
    const a1 = s.wait('a', 5000);
    const a2 = s.wait('a', 5000);
    const b = s.wait('b', 50);
    s.signal('a');
    await expect(Promise.all([a1, a2, b])).resolves.toEqual([true, true, false]);
    expect(s.waiting).toBe(0);
  });

  it('wakes only as many waiters as there are new messages, longest waiting first', async () => {
    const s = new TopicSignals();
    const first = s.wait('t', 200);
    const second = s.wait('t', 200);
    const third = s.wait('t', 200);
    s.signal('t', 2);
    await expect(Promise.all([first, second, third])).resolves.toEqual([true, true, false]);
  });

  it('times out a wait nobody signals', async () => {
    const s = new TopicSignals();
    const started = Date.now();
    await expect(s.wait('quiet', 30)).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});

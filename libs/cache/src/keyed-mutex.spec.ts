import { KeyedMutex } from './keyed-mutex.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs one key in order and other keys alongside', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = m.run('a', async () => {
      log.push('a1 start');
      await gate;
      log.push('a1 end');
    });
    const a2 = m.run('a', async () => void log.push('a2'));
    const b = m.run('b', async () => void log.push('b'));
    await tick();
    expect(log).toEqual(['a1 start', 'b']);
    expect(m.busy('a')).toBe(true);
    release();
    await Promise.all([a1, a2, b]);
    expect(log).toEqual(['a1 start', 'b', 'a1 end', 'a2']);
    await tick();
    expect(m.busy('a')).toBe(false);
    expect(m.size).toBe(0);
  });

  it('keeps going after a failure and reports it to its caller only', async () => {
    const m = new KeyedMutex();
    await expect(m.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(m.run('k', async () => 7)).resolves.toBe(7);
    await m.idle();
    expect(m.size).toBe(0);
  });
});

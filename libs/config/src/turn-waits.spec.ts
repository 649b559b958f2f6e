import { TurnWaits, type EndOfTurn } from './turn-waits.js';

/** A turn that ends when the test says so, and a WAIT that records its calls. */
function harness() {
  let callbacks: (() => void)[] = [];
  const endOfTurn: EndOfTurn = (fn) => callbacks.push(fn);
  const endTurn = () => {
    const run = callbacks;
    callbacks = [];
    run.forEach((fn) => fn());
  };
  const sent: { replicas: number; timeoutMs: number }[] = [];
  let answer: Promise<number> = Promise.resolve(1);
  const waits = new TurnWaits((replicas, timeoutMs) => {
    sent.push({ replicas, timeoutMs });
    return answer;
  }, endOfTurn);
  return { waits, sent, endTurn, answerWith: (p: Promise<number>) => (answer = p) };
}

describe('TurnWaits', () => {
  it('sends one WAIT at the end of the turn for every caller of that turn', async () => {
    const { waits, sent, endTurn } = harness();
    const answers = [waits.wait(1, 500), waits.wait(1, 500), waits.wait(1, 500)];
    expect(sent).toEqual([]); // not before the turn's writes are all issued
    endTurn();
    expect(sent).toEqual([{ replicas: 1, timeoutMs: 500 }]);
    expect(await Promise.all(answers)).toEqual([1, 1, 1]);
  });

  it('a caller after the WAIT went out gets a WAIT of its own', async () => {
    const { waits, sent, endTurn } = harness();
    const first = waits.wait(1, 500);
    endTurn();
    const second = waits.wait(1, 500);
    expect(sent).toHaveLength(1);
    endTurn();
    expect(sent).toHaveLength(2);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 1]);
  });

  it('sendNow sends the pending WAIT before the turn ends, and the end of the turn sends nothing more', async () => {
    const { waits, sent, endTurn } = harness();
    const answers = [waits.wait(1, 500), waits.wait(1, 500)];
    waits.sendNow();
    expect(sent).toEqual([{ replicas: 1, timeoutMs: 500 }]);
    endTurn();
    expect(sent).toHaveLength(1);
    expect(await Promise.all(answers)).toEqual([1, 1]);
    waits.sendNow(); // nothing pending: nothing sent
    expect(sent).toHaveLength(1);
  });

  it('different replicas or timeout send the pending WAIT at once and start another', async () => {
    const { waits, sent, endTurn } = harness();
    const a = waits.wait(1, 500);
    const b = waits.wait(2, 500);
    expect(sent).toEqual([{ replicas: 1, timeoutMs: 500 }]);
    endTurn(); // a's end-of-turn callback finds nothing pending of its own
    expect(sent).toEqual([
      { replicas: 1, timeoutMs: 500 },
      { replicas: 2, timeoutMs: 500 },
    ]);
    await Promise.all([a, b]);
  });

  it('a failed WAIT fails every caller that shared it, a throwing one too', async () => {
    const { waits, endTurn, answerWith } = harness();
    answerWith(Promise.reject(new Error('connection closed')));
    const shared = [waits.wait(1, 500), waits.wait(1, 500)];
    endTurn();
    for (const p of shared) await expect(p).rejects.toThrow('connection closed');

    const throwing = new TurnWaits(
      () => {
        throw new Error('stream not writable');
      },
      (fn) => fn(),
    );
    await expect(throwing.wait(1, 500)).rejects.toThrow('stream not writable');
  });
});

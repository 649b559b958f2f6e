import { TurnBatch } from './turn-batch.js';

/** A batch whose turn ends when the test says so, and whose sends it records. */
function setup(
  maxBatch = 3,
  send = (items: readonly number[]) => Promise.resolve(items.map((n) => n * 10)),
  maxWeight = Infinity,
) {
  const sent: number[][] = [];
  let endTurn: (() => void)[] = [];
  const batch = new TurnBatch<number, number>(
    (items) => {
      sent.push([...items]);
      return send(items);
    },
    { items: maxBatch, weight: maxWeight, weigh: (n) => n },
    (fn) => endTurn.push(fn),
  );
  const finishTurn = () => {
    const fns = endTurn;
    endTurn = [];
    for (const fn of fns) fn();
  };
  return { batch, sent, finishTurn };
}

describe('TurnBatch', () => {
  it("sends a turn's items together at its end, each caller getting its own item's result", async () => {
    const { batch, sent, finishTurn } = setup();
    const answers = Promise.all([batch.add(1), batch.add(2)]);
    expect(sent).toEqual([]);
    finishTurn();
    expect(sent).toEqual([[1, 2]]);
    expect(await answers).toEqual([10, 20]);
  });

  it('sends at once when maxBatch items wait, and the rest at the end of the turn', async () => {
    const { batch, sent, finishTurn } = setup(2);
    const answers = Promise.all([1, 2, 3].map((n) => batch.add(n)));
    expect(sent).toEqual([[1, 2]]);
    finishTurn();
    expect(sent).toEqual([[1, 2], [3]]);
    expect(await answers).toEqual([10, 20, 30]);
  });

  it('rejects every item of a batch whose send fails, or answers the wrong number of results', async () => {
    const failing = setup(3, () => Promise.reject(new Error('redis down')));
    const a = failing.batch.add(1);
    const b = failing.batch.add(2);
    failing.finishTurn();
    await expect(a).rejects.toThrow('redis down');
    await expect(b).rejects.toThrow('redis down');

    const short = setup(3, () => Promise.resolve([1]));
    const c = short.batch.add(1);
    const d = short.batch.add(2);
    short.finishTurn();
    await expect(c).rejects.toThrow('a batch of 2 answered 1 results');
    await expect(d).rejects.toThrow('a batch of 2 answered 1 results');
  });

  it('sends at once when the waiting items reach the weight limit', async () => {
    const { batch, sent, finishTurn } = setup(10, undefined, 5);
    const answers = Promise.all([2, 3, 1, 9, 1].map((n) => batch.add(n)));
    // 2 + 3 reach 5; 1 + 9 pass it (one heavy item goes in a batch of its own or with what waits).
    expect(sent).toEqual([
      [2, 3],
      [1, 9],
    ]);
    finishTurn();
    expect(sent).toEqual([[2, 3], [1, 9], [1]]);
    expect(await answers).toEqual([20, 30, 10, 90, 10]);
  });

  it('starts a new batch after one was sent', async () => {
    const { batch, sent, finishTurn } = setup();
    const first = batch.add(1);
    finishTurn();
    const second = batch.add(2);
    finishTurn();
    expect(sent).toEqual([[1], [2]]);
    expect([await first, await second]).toEqual([10, 20]);
  });
});

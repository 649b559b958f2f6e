// One Redis WAIT for all the writes of an event-loop turn on a connection: the
// one way DSS waits for replicas behind writes it is about to answer (the
// queue's publishes, the cache's memory operations).
//
// WAIT blocks its connection until the replicas acknowledge every write made
// on it so far, and Redis reads nothing else from a blocked connection. With
// a WAIT behind each write, concurrent writes on a daemon's one connection
// queued behind each other's replica round trips, and every WAIT made Redis
// ask the replicas for an acknowledgement (waking them each time). Writes
// issued in the same turn now go out first, then share one WAIT written after
// all of them: it counts every one of those writes, so its answer holds for
// each, as its own WAIT's would have. A caller sends its write, asks for the
// WAIT at once (not after the write's reply: one round trip, not two), and
// checks afterwards that its connection did not change in between.

/** Sends the WAIT (the connection's `wait`), answering the replicas that acknowledged. */
export type SendWait = (replicas: number, timeoutMs: number) => Promise<number>;

/** Runs `fn` once the current turn's callbacks are done (setImmediate). */
export type EndOfTurn = (fn: () => void) => void;

interface PendingWait {
  readonly replicas: number;
  readonly timeoutMs: number;
  readonly answer: Promise<number>;
  readonly resolve: (acknowledged: number) => void;
  readonly reject: (err: unknown) => void;
}

export class TurnWaits {
  private pending: PendingWait | undefined;

  constructor(
    private readonly send: SendWait,
    private readonly endOfTurn: EndOfTurn = (fn) => setImmediate(fn),
  ) {}

  /**
   * A WAIT that counts every write the caller made on the connection before
   * this call: sent at the end of the turn, shared with the turn's other
   * callers asking for the same replicas and timeout. A call asking for
   * different ones sends the pending WAIT at once and starts its own.
   */
  wait(replicas: number, timeoutMs: number): Promise<number> {
    const current = this.pending;
    if (current && current.replicas === replicas && current.timeoutMs === timeoutMs) return current.answer;
    this.flush(); // a pending WAIT with other arguments goes out now
    let resolve!: PendingWait['resolve'];
    let reject!: PendingWait['reject'];
    const answer = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
    const next: PendingWait = { replicas, timeoutMs, answer, resolve, reject };
    this.pending = next;
    this.endOfTurn(() => {
      if (this.pending === next) this.flush();
    });
    return answer;
  }

  /**
   * Sends the pending WAIT now, for a caller that already runs at the end of a turn (a
   * batch of writes sent from a setImmediate callback): the WAIT goes out right behind
   * its writes instead of at the next turn's end.
   */
  sendNow(): void {
    this.flush();
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    try {
      this.send(p.replicas, p.timeoutMs).then(p.resolve, p.reject);
    } catch (err) {
      p.reject(err);
    }
  }
}

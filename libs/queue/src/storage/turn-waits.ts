// One Redis WAIT for all the publishes of an event-loop turn.
//
// WAIT blocks its connection until the replicas acknowledge every write made
// on it so far, and Redis reads nothing else from a blocked connection. With
// a WAIT behind each publish's script, concurrent publishes on a daemon's one
// connection queued behind each other's replica round trips, and every WAIT
// made Redis ask the replicas for an acknowledgement (waking them each time).
// Publishes issued in the same turn now send their scripts, then share one
// WAIT written after all of them: it counts every one of those writes, so its
// answer holds for each publish, as its own WAIT's would have.

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

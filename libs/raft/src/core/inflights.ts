// Sliding window of append messages a leader has in flight to one follower
// (by last index sent), bounding how far replication may pipeline ahead of acks.
export class Inflights {
  private readonly buf: number[] = [];

  constructor(readonly capacity: number) {}

  add(lastIndex: number): void {
    this.buf.push(lastIndex);
  }

  /** An ack up to `index` frees every message it covers. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.buf.length && this.buf[n] <= index) n++;
    if (n > 0) this.buf.splice(0, n);
  }

  /** Makes room for one probe when acks may have been lost with a full window. */
  freeFirstOne(): void {
    this.buf.shift();
  }

  full(): boolean {
    return this.buf.length >= this.capacity;
  }

  count(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf.length = 0;
  }
}

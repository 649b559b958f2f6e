import { Redis, type RedisOptions } from 'ioredis';

/** Options for a client whose replies keep ioredis's classic shapes (what every DSS caller expects). */
export type ClassicRedisOptions = RedisOptions & { replyMapping?: 'legacy' };

/**
 * A Redis client that dials afresh when a command times out with nothing
 * received on its connection since the command was sent.
 *
 * A partition leaves a TCP connection open but silent, and ioredis keeps it:
 * every command times out, and after the heal the kernel's retransmission
 * backoff can keep the old connection silent for several more seconds (the
 * chaos suite saw 11 s of cache timeouts after a bridge healed). Dialling
 * again fails fast while the partition lasts and is answered as soon as it
 * heals. A command that times out while the connection delivers other replies
 * (a slow script) leaves the connection alone. redial() drops a connection on
 * purpose (a failover named a new primary) without waiting for the old one.
 *
 * In-flight commands fail when the connection is dropped; none is sent again
 * (`autoResendUnfulfilledCommands: false`, see redisOptions).
 */
export class StallAwareRedis extends Redis {
  private lastReceivedAt = -Infinity;
  /** Connections dropped because they went silent; each drop also emits 'stalled'. */
  stallsDetected = 0;

  constructor(options: ClassicRedisOptions) {
    super(options);
    // Each connection's socket, as it connects: any bytes from Redis show the connection is alive.
    this.on('connect', () => this.stream.on('data', () => (this.lastReceivedAt = performance.now())));
  }

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    const [command] = args;
    const sentAt = performance.now();
    const sentOn = this.stream;
    const result = super.sendCommand(...args);
    command.promise.catch(() => {
      // A timeout, told by the silence rather than by ioredis's error text: the command
      // failed on the connection it was sent on, still ready, after at least half of
      // commandTimeout without a byte from Redis. Any other failure on a ready connection
      // (a bad argument) comes at once, and an error reply is bytes received.
      const timeoutMs = this.options.commandTimeout;
      if (timeoutMs === undefined || performance.now() - sentAt < timeoutMs / 2) return;
      if (this.stream !== sentOn || this.lastReceivedAt >= sentAt || this.status !== 'ready') return;
      this.stallsDetected++;
      this.emit('stalled');
      this.redial();
    });
    return result;
  }

  /**
   * Drops the connection now and dials again (to wherever the connector points
   * by then). ioredis's disconnect(true) ends the socket politely and waits up
   * to its disconnect timeout (2 s) for the server's FIN, which never comes
   * from a server behind a partition; commands in flight would wait with it.
   * Destroying the socket fails them at once (none is resent) and the close
   * starts the reconnection.
   */
  redial(): void {
    if (this.status === 'connecting' || this.status === 'connect' || this.status === 'ready') this.stream.destroy();
  }
}

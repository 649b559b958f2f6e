import { Redis, type RedisOptions } from 'ioredis';

/** Options for a client whose replies keep ioredis's classic shapes (what every DSS caller expects). */
export type ClassicRedisOptions = RedisOptions & { replyMapping?: 'legacy' };

/** ioredis's message for a command that outlived `commandTimeout`. */
const COMMAND_TIMED_OUT = 'Command timed out';

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
 * (a slow script) leaves the connection alone.
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
    command.promise.catch((err: unknown) => {
      if (!(err instanceof Error) || err.message !== COMMAND_TIMED_OUT) return;
      if (this.stream !== sentOn || this.lastReceivedAt >= sentAt || this.status !== 'ready') return;
      this.stallsDetected++;
      this.emit('stalled');
      this.disconnect(true);
    });
    return result;
  }
}

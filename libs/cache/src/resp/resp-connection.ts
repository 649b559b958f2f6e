import type { Socket } from 'node:net';
import { ReplyWriter, RespParser, RespProtocolError } from '@dss/resp';
import type { CacheValues } from '../values/cache-values.service.js';
import { execute } from './command-table.js';
import type { CommandContext, NodeFacts, Session } from './command-types.js';
import { RESP_LIMITS } from './resp-limits.js';

/** Bytes a queued command counts against RESP_LIMITS.maxUnansweredBytes (its arguments and their framing). */
const commandBytes = (argv: readonly Buffer[]): number => argv.reduce((n, a) => n + a.length + 16, 16);

/**
 * One client connection: commands run one at a time in arrival order (as Redis runs them),
 * so pipelined replies come back in order. Replies that are ready are written together, once
 * per batch of input, or before a command that has to wait.
 */
export class RespConnection {
  private readonly parser = new RespParser({
    maxArgs: RESP_LIMITS.maxArgs,
    maxBulkBytes: RESP_LIMITS.maxBulkBytes,
    maxInlineBytes: RESP_LIMITS.maxInlineBytes,
  });
  private readonly w = new ReplyWriter();
  private readonly ctx: CommandContext;
  private queue: Buffer[][] = [];
  private head = 0;
  private unanswered = 0;
  private running = false;
  private paused = false;
  /** A protocol error: answered after the commands before it, then the connection closes. */
  private fatal: string | undefined;

  constructor(
    private readonly socket: Socket,
    id: number,
    values: CacheValues,
    node: NodeFacts,
    private readonly onCommands: (n: number) => void,
  ) {
    const session: Session = {
      id,
      protocol: 2,
      access: node.tokens ? undefined : 'readWrite',
      name: undefined,
      libName: undefined,
      libVersion: undefined,
      closing: false,
    };
    this.ctx = { w: this.w, session, values, node };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A reset by the client needs no log; 'close' follows.
    socket.on('error', () => undefined);
  }

  get session(): Session {
    return this.ctx.session;
  }

  private onData(chunk: Buffer): void {
    if (this.fatal !== undefined || this.session.closing) return;
    let commands: Buffer[][];
    try {
      commands = this.parser.push(chunk);
      if (this.parser.pendingBytes > RESP_LIMITS.maxCommandBytes)
        this.fatal = `Protocol error: a command of more than ${RESP_LIMITS.maxCommandBytes} bytes`;
    } catch (err) {
      if (!(err instanceof RespProtocolError)) throw err;
      commands = err.parsed;
      this.fatal = err.message;
    }
    for (const argv of commands) {
      this.queue.push(argv);
      this.unanswered += commandBytes(argv);
    }
    this.onCommands(commands.length);
    if (this.unanswered > RESP_LIMITS.maxUnansweredBytes && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.running) this.run();
  }

  /**
   * Runs the queued commands in order, synchronously while they answer in this tick (a hit
   * does). One that must wait gets the replies before it written, and the loop resumes from
   * the next command once it settles; commands arriving meanwhile queue behind it.
   */
  private run(): void {
    this.running = true;
    while (this.head < this.queue.length && !this.session.closing) {
      const argv = this.queue[this.head++]!;
      this.unanswered -= commandBytes(argv);
      const pending = execute(this.ctx, argv);
      if (pending) {
        this.flush();
        // execute() answers a failed command with an error reply and never rejects; if that
        // ever broke, the connection's order could not be kept, so it closes.
        pending.then(
          () => this.run(),
          (err: unknown) => this.socket.destroy(err instanceof Error ? err : new Error(String(err))),
        );
        return;
      }
    }
    if (this.head === this.queue.length) this.queue.length = 0;
    else this.queue = this.queue.slice(this.head);
    this.head = 0;
    if (this.fatal !== undefined && !this.session.closing) {
      this.w.error(`ERR ${this.fatal}`);
      this.session.closing = true;
    }
    this.flush();
    if (this.session.closing) this.socket.end();
    else if (this.paused && this.unanswered <= RESP_LIMITS.maxUnansweredBytes) {
      this.paused = false;
      this.socket.resume();
    }
    this.running = false;
  }

  private flush(): void {
    const out = this.w.take();
    if (out && !this.socket.destroyed) this.socket.write(out);
  }
}

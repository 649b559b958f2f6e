import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { CacheValues, Found } from '../values/cache-values.service.js';
import { RespConnection } from './resp-connection.js';

/** A socket that records what the connection writes, one string per write() call. */
class FakeSocket extends EventEmitter {
  readonly writes: string[] = [];
  destroyed = false;
  ended = false;
  setNoDelay(): this {
    return this;
  }
  write(b: Buffer): boolean {
    this.writes.push(b.toString());
    return true;
  }
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

const hit = (text: string): Found => ({ body: `'${text}`, state: 'S', source: 'local' });

/** Keys starting with "slow" miss and are answered by get() when `release` is called; the rest hit. */
function fakeValues(): { values: CacheValues; release: () => void } {
  const waiting: (() => void)[] = [];
  const values = {
    getNow: (key: string) => (key.startsWith('slow') ? undefined : hit(key.toUpperCase())),
    get: (key: string) => new Promise<Found>((resolve) => waiting.push(() => resolve(hit(key.toUpperCase())))),
  } as unknown as CacheValues;
  return { values, release: () => waiting.splice(0).forEach((r) => r()) };
}

const command = (...argv: string[]): string =>
  `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const settle = () => new Promise((r) => setImmediate(r));

function connection(values: CacheValues): { socket: FakeSocket; commands: number[] } {
  const socket = new FakeSocket();
  const commands: number[] = [];
  const node = { nodeId: 'node1', port: 7021, tokens: undefined, startedAt: 0, connections: () => 1 };
  new RespConnection(socket as unknown as Socket, 1, values, node, (n) => commands.push(n));
  return { socket, commands };
}

describe('RespConnection', () => {
  it('answers a batch of hits in the same tick, in one write', () => {
    const { values } = fakeValues();
    const { socket, commands } = connection(values);
    socket.emit('data', Buffer.from(command('GET', 'a') + command('GET', 'b') + command('PING')));
    expect(socket.writes).toEqual([bulk('A') + bulk('B') + '+PONG\r\n']);
    expect(commands).toEqual([3]);
  });

  it('writes the replies before a command that waits, and keeps pipelined replies in order', async () => {
    const { values, release } = fakeValues();
    const { socket } = connection(values);
    socket.emit('data', Buffer.from(command('GET', 'a') + command('GET', 'slow1') + command('GET', 'b')));
    expect(socket.writes).toEqual([bulk('A')]);
    // More commands arrive while the miss is outstanding: they queue behind it.
    socket.emit('data', Buffer.from(command('GET', 'c')));
    await settle();
    expect(socket.writes).toEqual([bulk('A')]);
    release();
    await settle();
    expect(socket.writes).toEqual([bulk('A'), bulk('SLOW1') + bulk('B') + bulk('C')]);
    // The connection takes new commands afterwards, answered at once again.
    socket.emit('data', Buffer.from(command('GET', 'd')));
    expect(socket.writes[2]).toBe(bulk('D'));
  });

  it('answers the commands before a malformed frame, then the error, and closes', () => {
    const { values } = fakeValues();
    const { socket } = connection(values);
    socket.emit('data', Buffer.from(command('GET', 'a') + '*1\r\n$x\r\n'));
    expect(socket.writes).toHaveLength(1);
    expect(socket.writes[0]).toMatch(new RegExp(`^${bulk('A').replace(/\$/g, '\\$')}-ERR Protocol error`));
    expect(socket.ended).toBe(true);
  });
});

import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PeerSocket } from './peer-socket.js';

// PeerSocket sends every frame written in one turn of the event loop in one write:
// one syscall (and one TLS record) for a burst of answers instead of one each.

describe('PeerSocket write batching', () => {
  let server: Server;
  let received = '';

  beforeAll(async () => {
    server = createServer((s) => (sockets.push(s), s).on('data', (d: Buffer) => (received += d.toString())));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('writes the frames of one loop turn with one call to the socket, in order', async () => {
    const { port } = server.address() as { port: number };
    const raw: Socket = connect(port, '127.0.0.1');
    sockets.push(raw);
    await once(raw, 'connect');
    const writes: number[] = [];
    // Count the stream's calls down to the handle: one per write, or one per corked batch.
    const streamInternals = raw as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const [write, writev] = [streamInternals._write.bind(raw), streamInternals._writev.bind(raw)];
    streamInternals._write = (...a) => (writes.push(1), write(...a));
    streamInternals._writev = (chunks: unknown, cb: unknown) => (
      writes.push((chunks as unknown[]).length),
      writev(chunks, cb)
    );
    const socket = new PeerSocket(raw);
    for (let n = 0; n < 10; n++) socket.sendMessage({ pattern: 'p', data: n });
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([10]);
    // The next turn's frames go out in their own batch; flush() sends what is held at once.
    socket.sendMessage({ pattern: 'p', data: 10 });
    socket.sendMessage({ pattern: 'p', data: 11 });
    socket.flush();
    expect(writes).toEqual([10, 2]);
    await new Promise((r) => setTimeout(r, 50));
    expect(writes).toEqual([10, 2]);
    const frames = received
      .split(/\d+#/)
      .filter(Boolean)
      .map((f) => (JSON.parse(f) as { data: number }).data);
    expect(frames).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

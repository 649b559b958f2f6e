import { createServer, type Server, type Socket } from 'node:net';
import { PeerConnection } from './peer-connection.js';

// A peer that is down is redialled at most once per interval: a dead machine must
// not cost the survivors a connection attempt per Raft heartbeat.

const INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const address = probe.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise((r) => probe.close(r));
  return address.port;
}

describe('PeerConnection redialling a peer that is down', () => {
  let server: Server | undefined;
  const accepted: Socket[] = [];

  afterAll(async () => {
    accepted.forEach((s) => s.destroy());
    if (server) await new Promise((r) => server!.close(r));
  });

  it('fails calls and drops events without dialling again until the interval has passed', async () => {
    const port = await freePort();
    let broken = 0;
    const connection = new PeerConnection('127.0.0.1', port, undefined, () => broken++, INTERVAL_MS);
    const failedAt = performance.now();

    const first = await connection.request('test.echo', {}).answer.catch((e: unknown) => e);
    expect((first as { code?: string }).code).toBe('ECONNREFUSED');
    // The write's callback may reject the call before the socket's 'close' ends the dial.
    for (let i = 0; i < 100 && broken === 0; i++) await sleep(5);
    expect(broken).toBe(1);

    // Within the interval: the same failure, no new dial (a dial would fail with a new error).
    const second = await connection.request('test.echo', {}).answer.catch((e: unknown) => e);
    expect(second).toBe(first);
    expect(connection.emit('test.event', {})).toBe(false);

    // The peer comes back: nothing dials it before the interval is over...
    server = createServer((s) => accepted.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    expect(connection.emit('test.event', {})).toBe(false);
    await sleep(50);
    expect(accepted).toHaveLength(0);
    expect(performance.now() - failedAt).toBeLessThan(INTERVAL_MS); // the assertions above ran inside it

    // ...and the first use after it does.
    await sleep(INTERVAL_MS - (performance.now() - failedAt) + 50);
    expect(connection.emit('test.event', {})).toBe(true);
    for (let i = 0; i < 100 && accepted.length === 0; i++) await sleep(10);
    expect(accepted).toHaveLength(1);
    expect(broken).toBe(1);
    connection.close();
  });
});

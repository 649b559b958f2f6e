import { attemptOnce, networkErrorCode } from './fetch-attempt.js';

// The verdicts against the real fetch of Node: what a refused connection, a
// blocked port and an unknown host look like, and whether the request may
// have reached a server.

const attempt = (url: string, timeoutMs = 2000) =>
  attemptOnce(fetch, { method: 'POST', url, body: {}, headers: {}, timeoutMs }, () => performance.now());

describe('attemptOnce with the real fetch', () => {
  it('a port nobody listens on: ECONNREFUSED, not sent', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r)); // the port is now closed
    const outcome = await attempt(`http://127.0.0.1:${port}/x`);
    expect(outcome).toMatchObject({ kind: 'failed', sent: false });
    expect(outcome.kind === 'failed' && networkErrorCode(outcome.cause)).toBe('ECONNREFUSED');
  });

  it('a port fetch blocks (1): not sent', async () => {
    expect(await attempt('http://127.0.0.1:1/x')).toMatchObject({
      kind: 'failed',
      sent: false,
      error: expect.stringMatching(/bad port/),
    });
  });

  it('a server that accepts and never answers: timed out, may have been sent', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      expect(await attempt(`http://127.0.0.1:${port}/x`, 100)).toMatchObject({
        kind: 'failed',
        sent: true,
        error: 'no answer within 100 ms',
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('a server that resets the connection after the request: may have been sent', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((s) => s.once('data', () => s.resetAndDestroy()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      expect(await attempt(`http://127.0.0.1:${port}/x`)).toMatchObject({ kind: 'failed', sent: true });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

// Test helper: a TCP proxy whose open connections can be made to drop every
// byte, as a partition does to a connection that outlives it (no FIN, no RST:
// the client's socket stays open and silent).

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface BlackHoleProxy {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Every connection open now drops what it carries, both ways, from now on. */
  stallAll(): void;
  close(): Promise<void>;
}

export async function blackHoleProxy(target: number): Promise<BlackHoleProxy> {
  const open: { stalled: boolean; sockets: Socket[] }[] = [];
  // Half-open allowed: a stalled connection does not answer a FIN either (a partition drops it),
  // so a client that only ends its socket politely waits forever for it to close.
  const server: Server = createServer({ allowHalfOpen: true }, (down) => {
    const up = connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
    const conn = { stalled: false, sockets: [down, up] };
    open.push(conn);
    down.on('data', (d) => conn.stalled || up.write(d));
    up.on('data', (d) => conn.stalled || down.write(d));
    down.on('end', () => conn.stalled || up.end());
    up.on('end', () => conn.stalled || down.end());
    for (const s of conn.sockets)
      s.on('error', () => undefined).on('close', () => conn.stalled || conn.sockets.forEach((x) => x.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
  return {
    port: address.port,
    connections: () => open.length,
    stallAll: () => open.forEach((c) => (c.stalled = true)),
    close: () => {
      open.forEach((c) => c.sockets.forEach((x) => x.destroy()));
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

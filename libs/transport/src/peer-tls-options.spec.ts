import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { loadPeerTls, type PeerTlsMaterial } from '@dss/config';
import { ensureClusterCerts } from '../../../scripts/local-cluster/tls-certs.js';
import { peerClientTls, peerServerTls } from './peer-tls-options.js';

// The client side of peer mutual TLS: one parsed context for every dial, and
// the same checks as before it was shared (the server's CA and node id, the
// client's own certificate presented).

describe('peer TLS options', () => {
  const dirs: string[] = [];
  const servers: Server[] = [];

  function material(nodes: string[], self: string): PeerTlsMaterial {
    const dir = mkdtempSync(join(tmpdir(), 'dss-peer-tls-'));
    dirs.push(dir);
    ensureClusterCerts(
      dir,
      nodes.map((id) => ({ id, host: '127.0.0.1' })),
    );
    return loadPeerTls(dir, self, (f) => readFileSync(f, 'utf8'));
  }

  /** A peer server for `m` that answers each client it authorised with that client's common name. */
  async function serve(m: PeerTlsMaterial): Promise<number> {
    const server = createServer(peerServerTls(m), (s: TLSSocket) =>
      s.end(`hello ${s.getPeerCertificate().subject?.CN}`),
    );
    server.on('tlsClientError', () => undefined);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  /** What the server answered, or `refused: ` and the error that ended the dial. */
  function dial(port: number, m: PeerTlsMaterial, peerId: string): Promise<string> {
    return new Promise((resolve) => {
      const s = connect({ ...peerClientTls(m, peerId), host: '127.0.0.1', port });
      let answer = '';
      s.on('data', (d: Buffer) => (answer += d.toString()));
      s.once('end', () => resolve(answer));
      s.once('error', (e) => resolve(`refused: ${e.message}`));
    });
  }

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('gives every peer of a node the same parsed context, and no key material to parse again', () => {
    const a = material(['a', 'b', 'c'], 'a');
    const toB = peerClientTls(a, 'b');
    const toC = peerClientTls(a, 'c');
    expect(toB.secureContext).toBeDefined();
    expect(toC.secureContext).toBe(toB.secureContext);
    expect(toB).not.toHaveProperty('key');
    expect(toB).not.toHaveProperty('cert');
  });

  it('still authenticates both ends with the shared context', async () => {
    const nodes = ['a', 'b', 'c'];
    const a = material(nodes, 'a');
    const b = loadPeerTls(dirs[dirs.length - 1]!, 'b', (f) => readFileSync(f, 'utf8'));
    const port = await serve(b);

    // Twice: the second dial reuses the context the first one made.
    expect(await dial(port, a, 'b')).toBe('hello a');
    expect(await dial(port, a, 'b')).toBe('hello a');

    // The server is node b, not node c: refused by the client.
    expect(await dial(port, a, 'c')).toBe('refused: peer c presented a certificate for "b"');

    // A node of another cluster (another CA) is refused.
    const stranger = material(['x', 'b'], 'x');
    expect(await dial(port, stranger, 'b')).toMatch(/^refused: /);
  });
});

import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, timeout } from 'rxjs';

// A process that speaks the peer protocol (Nest TCP framing, the same
// patterns) with whatever credentials a test gives it: none, a certificate
// from another CA, or one from the cluster CA for a node id the cluster does
// not have.

export interface RogueCredentials {
  /** Directory with ca.crt, <id>.crt and <id>.key; absent = plain TCP. */
  readonly tlsDir?: string;
  readonly id?: string;
}

export class RoguePeer {
  private readonly client: ClientProxy;

  constructor(host: string, port: number, creds: RogueCredentials) {
    const tls =
      creds.tlsDir && creds.id
        ? {
            tlsOptions: {
              ca: readFileSync(join(creds.tlsDir, 'ca.crt')),
              cert: readFileSync(join(creds.tlsDir, `${creds.id}.crt`)),
              key: readFileSync(join(creds.tlsDir, `${creds.id}.key`)),
              // The rogue does not care whom it reaches.
              rejectUnauthorized: false,
            },
          }
        : {};
    this.client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host, port, ...tls } });
  }

  /** A request: resolves with the answer, or with the error the server (or the handshake) gave. */
  async send(pattern: string, data: unknown): Promise<{ ok: true; answer: unknown } | { ok: false; error: string }> {
    try {
      return { ok: true, answer: await firstValueFrom(this.client.send(pattern, data).pipe(timeout({ first: 3000 }))) };
    } catch (err) {
      const e = err as { message?: unknown; err?: unknown };
      return { ok: false, error: String(e?.message ?? e?.err ?? JSON.stringify(err)) };
    }
  }

  /** A one-way event; resolves once written (or failed to be). */
  async emit(pattern: string, data: unknown): Promise<void> {
    await firstValueFrom(this.client.emit(pattern, data).pipe(timeout({ first: 3000 }))).catch(() => undefined);
  }

  close(): Promise<void> {
    return Promise.resolve(this.client.close());
  }
}

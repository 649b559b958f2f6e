import { request } from 'node:http';
import { connect } from 'node:net';

// A bare HTTP client for the fuzzer: fetch (WHATWG URL) would normalise the
// path (`/cache/..`, `%2e%2e`) and pick the content type itself; node:http
// sends the path and headers exactly as given.

export interface RawRequest {
  readonly method: string;
  /** Origin, e.g. http://127.0.0.1:8001. */
  readonly origin: string;
  /** Sent as is: already percent-encoded, ASCII only. */
  readonly path: string;
  /** Omitted when undefined. */
  readonly contentType?: string;
  readonly body?: string;
}

export interface RawAnswer {
  readonly status: number;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
}

/**
 * Sends one request on a fresh connection (no keep-alive: a server that
 * answers 413 before reading a body closes the socket, which would poison a
 * pooled one). Never rejects on an HTTP status; rejects on network errors
 * and after `timeoutMs`.
 */
export function send(req: RawRequest, timeoutMs = 20_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.origin);
    const headers: Record<string, string | number> = {};
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server that answers early (413) may reset the connection while the body
    // is still being written; the answer has arrived by then, so that is fine.
    r.on('error', (err) => reject(err));
    r.end(req.body);
  });
}

/**
 * Writes raw bytes to the server (for broken HTTP framing that node:http will
 * not send) and returns the status and body of the first answer, or null when
 * the server closed without one.
 */
export function sendBytes(
  origin: string,
  bytes: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve, reject) => {
    const url = new URL(origin);
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(text);
      resolve(m ? { status: Number(m[1]), body: m[2]! } : null);
    });
    // Not end(): a half-closed socket makes the server drop the request unanswered.
    socket.write(bytes, 'latin1');
  });
}

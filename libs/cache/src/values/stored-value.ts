import { isUtf8 } from 'node:buffer';

// One value model for both protocols (docs/cache.md, "Values"). A line stores one string:
//
//   [@<expiresAt>;][#<fence>;]<body>
//
// `expiresAt` is the wall-clock instant (ms since the epoch) after which the value no longer
// exists; `fence` is the highest fencing token that wrote the key (values/fences.ts): it
// travels with the value through MESI and into Redis, so an owner that loaded the line from
// anywhere knows it. The body is one of
//   '<text>    a string: what SET wrote when its bytes are UTF-8, or a JSON string PUT over HTTP
//   ~<latin1>  bytes that are not UTF-8 (SET only), one character per byte
//   <json>     any other JSON value PUT over HTTP (object, array, number, true, false, null)
//   (empty)    a tombstone: no value, only the fence a delete left (reads as absent)
//
// so the same string reads back the same through either protocol, and JSON written before
// this model existed (plain JSON text, a string as "…") still reads back as it was. The body
// and its expiry travel together through MESI and into Redis, so expiry is as coherent as
// the value itself.

const STRING = "'";
const BYTES = '~';
const EXPIRY = '@';
const FENCE = '#';
/** The body of a tombstone: JSON text is never empty and a string's starts with its marker. */
export const TOMBSTONE = '';

/** A value's body as the protocols see it. */
export type Body =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'json'; readonly json: unknown };

export interface Stored {
  /** The encoded body (see above), without the expiry header. */
  readonly body: string;
  /** Absent: the value never expires. */
  readonly expiresAt?: number;
  /** The highest fencing token that wrote (or deleted) the key; absent: never written fenced. */
  readonly fence?: number;
}

export function encodeStored(s: Stored): string {
  const fence = s.fence === undefined ? '' : `${FENCE}${s.fence};`;
  return s.expiresAt === undefined ? fence + s.body : `${EXPIRY}${s.expiresAt};${fence}${s.body}`;
}

export function decodeStored(raw: string): Stored {
  let at = 0;
  let expiresAt: number | undefined;
  let fence: number | undefined;
  // Neither header can start a body: a body starts with ' or ~, or is JSON text.
  if (raw.charCodeAt(at) === 64 /* @ */) {
    const end = raw.indexOf(';', at);
    expiresAt = Number(raw.slice(at + 1, end));
    at = end + 1;
  }
  if (raw.charCodeAt(at) === 35 /* # */) {
    const end = raw.indexOf(';', at);
    fence = Number(raw.slice(at + 1, end));
    at = end + 1;
  }
  if (at === 0) return { body: raw }; // no header: the common case of every read hit
  const s: { -readonly [K in keyof Stored]: Stored[K] } = { body: raw.slice(at) };
  if (expiresAt !== undefined) s.expiresAt = expiresAt;
  if (fence !== undefined) s.fence = fence;
  return s;
}

export const isTombstone = (s: Stored): boolean => s.body === TOMBSTONE;

/** Whether the value exists at `now` (ms since the epoch). */
export const isLive = (s: Stored, now: number): boolean => s.expiresAt === undefined || s.expiresAt > now;

/** The body of bytes written over the Redis protocol: a string when they are UTF-8. */
export function bytesBody(bytes: Buffer): string {
  return isUtf8(bytes) ? STRING + bytes.toString('utf8') : BYTES + bytes.toString('latin1');
}

export const stringBody = (text: string): string => STRING + text;

/** The body of a JSON value written over HTTP: a string as a string, anything else as JSON text. */
export function jsonBody(value: unknown): string {
  return typeof value === 'string' ? STRING + value : JSON.stringify(value);
}

export function readBody(body: string): Body {
  const first = body.charCodeAt(0);
  if (first === 39 /* ' */) return { kind: 'string', text: body.slice(1) };
  if (first === 126 /* ~ */) return { kind: 'bytes', bytes: Buffer.from(body.slice(1), 'latin1') };
  const json: unknown = JSON.parse(body);
  // JSON text from before this model: a string stays a string.
  return typeof json === 'string' ? { kind: 'string', text: json } : { kind: 'json', json };
}

/** What GET answers over the Redis protocol: the string (UTF-8), the bytes, or the JSON text. */
export function bodyBytes(body: string): string | Buffer {
  if (body.charCodeAt(0) === 39 /* ' */) return body.slice(1); // a string, as readBody reads it
  const b = readBody(body);
  return b.kind === 'string' ? b.text : b.kind === 'bytes' ? b.bytes : body;
}

/** The body's size in bytes as GET over the Redis protocol answers it (STRLEN, and the size limit). */
export function bodyLength(body: string): number {
  const first = body.charCodeAt(0);
  if (first === 39) return Buffer.byteLength(body) - 1;
  if (first === 126) return body.length - 1;
  if (first !== 34 /* " */) return Buffer.byteLength(body);
  return Buffer.byteLength(String(bodyBytes(body))); // JSON text of a string, from before this model
}

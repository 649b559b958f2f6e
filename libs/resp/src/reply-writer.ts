// Encodes one connection's replies (RESP2 or RESP3) into a growing buffer that is handed to the
// socket in one write per batch. Replies are written straight into preallocated memory: a small
// reply allocates nothing, and numbers are written as digits without building strings.

const CRLF_CR = 13;
const CRLF_LF = 10;
const NEWLINES = /[\r\n]/g;
const MAX_DIGITS = 20;
/** Strings up to this length are tried as ASCII by a JS loop before the native UTF-8 path. */
const SHORT = 64;

/**
 * Bytes are appended at `end` and never touched again once written, and a full buffer is
 * replaced (never rewound), so a Buffer returned by take() stays valid and unchanged while
 * writing continues: it can go to socket.write() as is, without a copy.
 */
export class ReplyWriter {
  /** Reply protocol; HELLO 3 switches a connection to 3. */
  protocol: 2 | 3 = 2;
  private buf: Buffer;
  /** First byte not yet taken, and the next write position. */
  private start = 0;
  private end = 0;

  /** `initialCapacity` is the size of each fresh buffer; one reply batch may grow past it by doubling. */
  constructor(private readonly initialCapacity = 16 * 1024) {
    if (!(initialCapacity >= 64)) throw new RangeError('ReplyWriter capacity must be at least 64 bytes');
    // Above Buffer.poolSize/2, so each buffer is its own allocation, not a slice of Node's shared pool.
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.end - this.start;
  }

  /** Everything written since the last take, as one Buffer (a view, see the class comment), or undefined. */
  take(): Buffer | undefined {
    if (this.end === this.start) return undefined;
    const out = this.buf.subarray(this.start, this.end);
    this.start = this.end;
    return out;
  }

  /** `+s` (CR/LF in s become spaces, as Redis does for errors, so the reply stays one line). */
  simple(s: string): void {
    this.line(43, s);
  }

  /** `-s`: s is the whole error text, e.g. `ERR unknown command 'foo'` (CR/LF become spaces, as in Redis). */
  error(s: string): void {
    this.line(45, s);
  }

  /** `:n`; n must be an integer. */
  integer(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.ensure(MAX_DIGITS + 3);
      this.buf[this.end++] = 58;
      this.decimal(n);
      this.crlf();
      return;
    }
    if (typeof n === 'number' && !Number.isInteger(n))
      throw new RangeError(`RESP integer must be an integer, got ${n}`);
    this.ascii(58, BigInt(n).toString());
  }

  /** `$len` and the bytes; strings are sent as UTF-8. */
  bulk(b: Buffer | string): void {
    if (typeof b === 'string') {
      if (b.length <= SHORT) {
        // Short ASCII (keys, numbers): header and bytes in one pass; anything else takes the long way.
        this.ensure(MAX_DIGITS + b.length + 5);
        const at = this.end;
        this.head(36, b.length);
        if (this.copyAscii(b, false)) return this.crlf();
        this.end = at;
      }
      const len = Buffer.byteLength(b);
      this.ensure(MAX_DIGITS + len + 5);
      this.head(36, len);
      this.end += this.buf.write(b, this.end);
    } else {
      this.ensure(MAX_DIGITS + b.length + 5);
      this.head(36, b.length);
      this.buf.set(b, this.end);
      this.end += b.length;
    }
    this.crlf();
  }

  /** A missing value: RESP2 `$-1`, RESP3 `_`. */
  nil(): void {
    this.raw(this.protocol === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** A missing array: RESP2 `*-1`, RESP3 `_`. */
  nullArray(): void {
    this.raw(this.protocol === 3 ? '_\r\n' : '*-1\r\n');
  }

  /** `*n`; n replies must follow. */
  arrayHeader(n: number): void {
    this.header(42, n);
  }

  /** RESP3 `%n` (n key/value pairs follow); RESP2 a flat array of 2n items. */
  mapHeader(n: number): void {
    if (this.protocol === 3) this.header(37, n);
    else this.header(42, 2 * n);
  }

  /** RESP3 `~n`; RESP2 `*n`. */
  setHeader(n: number): void {
    this.header(this.protocol === 3 ? 126 : 42, n);
  }

  /** RESP3 `=len` with a three-letter format (`txt`, `mkd`); RESP2 a bulk string of the text. */
  verbatim(text: string, format = 'txt'): void {
    if (this.protocol === 2) return this.bulk(text);
    if (!/^[\x21-\x7e]{3}$/.test(format))
      throw new RangeError(`verbatim format must be three printable ASCII characters, got '${format}'`);
    const len = Buffer.byteLength(text);
    this.ensure(MAX_DIGITS + len + 9);
    this.head(61, len + 4);
    this.end += this.buf.write(format, this.end, 'latin1');
    this.buf[this.end++] = 58;
    this.end += this.buf.write(text, this.end);
    this.crlf();
  }

  /** RESP3 `,x`; RESP2 a bulk string of the same text. `inf`, `-inf` and `nan` as Redis spells them. */
  double(x: number): void {
    const text = Number.isNaN(x)
      ? 'nan'
      : x === Infinity
        ? 'inf'
        : x === -Infinity
          ? '-inf'
          : Object.is(x, -0)
            ? '-0'
            : String(x);
    if (this.protocol === 3) this.ascii(44, text);
    else this.bulk(text);
  }

  /** RESP3 `#t`/`#f`; RESP2 the integer 1/0. */
  boolean(b: boolean): void {
    if (this.protocol === 3) this.raw(b ? '#t\r\n' : '#f\r\n');
    else this.raw(b ? ':1\r\n' : ':0\r\n');
  }

  /** Makes room for n more bytes. */
  private ensure(n: number): void {
    if (this.end + n <= this.buf.length) return;
    // Bytes before `start` may be on their way to a socket: move to a fresh buffer, never rewind.
    // Fresh buffers start from the initial size, so one huge reply does not bloat the next ones.
    const used = this.end - this.start;
    let capacity = this.initialCapacity;
    while (capacity < used + n) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, this.start, this.end);
    this.buf = next;
    this.start = 0;
    this.end = used;
  }

  private header(type: number, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`RESP aggregate length must be a non-negative integer, got ${n}`);
    this.ensure(MAX_DIGITS + 3);
    this.head(type, n);
  }

  /** Type byte, length digits, CRLF; room already ensured. */
  private head(type: number, n: number): void {
    this.buf[this.end++] = type;
    this.decimal(n);
    this.crlf();
  }

  private line(type: number, s: string): void {
    if (s.length <= SHORT) {
      this.ensure(s.length + 3);
      const at = this.end;
      this.buf[this.end++] = type;
      if (this.copyAscii(s, true)) return this.crlf();
      this.end = at;
    }
    const text = s.includes('\r') || s.includes('\n') ? s.replace(NEWLINES, ' ') : s;
    // A UTF-16 code unit is at most 3 UTF-8 bytes.
    this.ensure(text.length * 3 + 3);
    this.buf[this.end++] = type;
    this.end += this.buf.write(text, this.end);
    this.crlf();
  }

  /** Type byte, ASCII text, CRLF. */
  private ascii(type: number, text: string): void {
    this.ensure(text.length + 3);
    this.buf[this.end++] = type;
    this.end += this.buf.write(text, this.end, 'latin1');
    this.crlf();
  }

  private raw(text: string): void {
    this.ensure(text.length);
    this.end += this.buf.write(text, this.end, 'latin1');
  }

  /**
   * Copies s at `end` if it is all ASCII (and, with noNewlines, has no CR/LF), a loop that beats
   * the native write call for short strings. Room already ensured. Returns false, having left
   * `end` alone, otherwise.
   */
  private copyAscii(s: string, noNewlines: boolean): boolean {
    const buf = this.buf;
    let p = this.end;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 127 || (noNewlines && (c === CRLF_CR || c === CRLF_LF))) return false;
      buf[p++] = c;
    }
    this.end = p;
    return true;
  }

  private crlf(): void {
    this.buf[this.end++] = CRLF_CR;
    this.buf[this.end++] = CRLF_LF;
  }

  /** Writes a safe integer's digits (room already ensured). */
  private decimal(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      buf[this.end++] = 45;
      n = -n;
    }
    if (n < 10) {
      buf[this.end++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = (t - (t % 10)) / 10) digits++;
    let p = this.end + digits;
    this.end = p;
    while (n >= 10) {
      const r = n % 10;
      buf[--p] = 48 + r;
      n = (n - r) / 10;
    }
    buf[--p] = 48 + n;
  }
}

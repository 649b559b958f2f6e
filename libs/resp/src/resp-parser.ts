// Redis request parser: bytes in, commands out (requests are the same in RESP2 and RESP3).
// It mirrors Redis's processMultibulkBuffer/processInlineBuffer (networking.c): the same input
// is accepted and the same error texts are produced, so clients see what a real Redis says.
// Hot path (GET/SET pipelines): no strings, no per-byte building, and arguments are views into
// the pushed chunk whenever a command lies wholly inside it; only commands that straddle pushes
// are copied, once.

/** Size limits a connection enforces; exceeding one is a protocol error, as in Redis. */
export interface RespLimits {
  /** Most arguments a multibulk command may declare; more → `invalid multibulk length`. */
  readonly maxArgs: number;
  /** Largest bulk argument in bytes (Redis's proto-max-bulk-len); more → `invalid bulk length`. */
  readonly maxBulkBytes: number;
  /** Longest inline command line or `*`/`$` header line (Redis's PROTO_INLINE_MAX_SIZE). */
  readonly maxInlineBytes: number;
}

/**
 * Redis's own defaults: 1024*1024 arguments (the limit of Redis < 7), 512 MiB bulks
 * (proto-max-bulk-len) and 64 KiB lines (PROTO_INLINE_MAX_SIZE). A server normally passes
 * tighter maxArgs/maxBulkBytes of its own.
 */
export const DEFAULT_RESP_LIMITS: RespLimits = Object.freeze({
  maxArgs: 1024 * 1024,
  maxBulkBytes: 512 * 1024 * 1024,
  maxInlineBytes: 64 * 1024,
});

/**
 * Malformed input. `message` is Redis's own text; Redis replies it as `-ERR <message>`, so a
 * server writes `error('ERR ' + e.message)` and then closes the connection. `parsed` holds the
 * complete commands of the same push that preceded the bad bytes: run them before replying.
 */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';

  constructor(
    message: string,
    readonly parsed: Buffer[][],
  ) {
    super(message);
  }
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
// header() results besides a count/length; NEGATIVE stands for every valid negative number.
const NEGATIVE = -1;
const NEED_MORE = -2;
const BAD = -3;
const INT64_MAX = 2n ** 63n - 1n;

const INVALID_MBULK = 'Protocol error: invalid multibulk length';
const INVALID_BULK = 'Protocol error: invalid bulk length';
const TOO_BIG_INLINE = 'Protocol error: too big inline request';
const TOO_BIG_MBULK = 'Protocol error: too big mbulk count string';
const TOO_BIG_BULK = 'Protocol error: too big bulk count string';
const UNBALANCED = 'Protocol error: unbalanced quotes in request';

/**
 * Parses one connection's byte stream. Returned argument Buffers are views into the pushed
 * chunks (never modify a chunk after pushing it); copy an argument you keep beyond the command
 * (e.g. a stored value), or it pins the whole chunk in memory.
 * After a RespProtocolError the parser is unusable: every later push throws the same error
 * (with no commands), as the connection must be answered with the error and closed.
 */
export class RespParser {
  /** An incomplete line (inline or `*`/`$` header) waiting for its end in a later push. */
  private tail: Buffer | null = null;
  /** Pieces of a bulk whose bytes span pushes; joined once when complete. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** The multibulk command being read, and how many bulks it still expects. */
  private args: Buffer[] | null = null;
  private argsLeft = 0;
  /** Length of the bulk whose `$` line was read, -1 while the next thing is a `$` line. */
  private bulkLen = -1;
  /** Stream offsets: bytes received, and the end of the last whole command (for pendingBytes). */
  private received = 0;
  private boundary = 0;
  private failure: string | undefined;
  private out: Buffer[][] = [];
  /** Set by header(): the position just past the line it parsed. */
  private next = 0;

  constructor(private readonly limits: RespLimits = DEFAULT_RESP_LIMITS) {}

  /** Bytes received that do not yet form a whole command. */
  get pendingBytes(): number {
    return this.received - this.boundary;
  }

  /** Feeds bytes; returns every command completed by them, each as its argument Buffers. */
  push(chunk: Buffer): Buffer[][] {
    if (this.failure !== undefined) throw new RespProtocolError(this.failure, []);
    const out: Buffer[][] = [];
    this.out = out;
    const base = this.received;
    this.received += chunk.length;
    let from = 0;
    if (this.bulkLen >= 0) from = this.fillBulk(chunk, base);
    else if (this.tail !== null) from = this.finishLine(chunk, base);
    if (from >= 0) this.run(chunk, from, base);
    return out;
  }

  /** Parses buf from pos as far as it goes; what is left becomes the tail or bulk parts. */
  private run(buf: Buffer, pos: number, base: number): void {
    const end = buf.length;
    while (pos < end) {
      let args = this.args;
      if (args === null) {
        if (buf[pos] !== STAR) {
          const next = this.inline(buf, pos);
          if (next < 0) break;
          pos = next;
          this.boundary = base + pos;
          continue;
        }
        const n = this.header(buf, pos, end, TOO_BIG_MBULK);
        if (n === NEED_MORE) break;
        if (n === BAD || n > this.limits.maxArgs) this.fail(INVALID_MBULK);
        pos = this.next;
        if (n <= 0) {
          // Redis ignores *0 and *-1 (any negative count).
          this.boundary = base + pos;
          continue;
        }
        this.args = args = [];
        this.argsLeft = n;
        if (pos === end) break;
      }
      if (this.bulkLen < 0) {
        const n = this.header(buf, pos, end, TOO_BIG_BULK);
        if (n === NEED_MORE) break;
        // Like Redis: find the line end first, then complain about a missing '$'.
        if (buf[pos] !== DOLLAR) this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[pos])}'`);
        if (n < 0 || n > this.limits.maxBulkBytes) this.fail(INVALID_BULK);
        pos = this.next;
        this.bulkLen = n;
      }
      const stop = pos + this.bulkLen;
      if (stop + 2 > end) {
        // The bulk (or its CRLF) continues in a later push.
        if (pos < end) this.parts.push(buf.subarray(pos));
        this.partsBytes = end - pos;
        this.tail = null;
        return;
      }
      // Redis skips the two bytes after a bulk without checking them; so do we.
      this.addArg(args, buf.subarray(pos, stop), base + stop + 2);
      pos = stop + 2;
    }
    this.tail = pos < end ? buf.subarray(pos) : null;
  }

  private addArg(args: Buffer[], arg: Buffer, streamEnd: number): void {
    args.push(arg);
    this.bulkLen = -1;
    if (--this.argsLeft === 0) {
      this.out.push(args);
      this.args = null;
      this.boundary = streamEnd;
    }
  }

  /** Continues a bulk that spans pushes; returns where the chunk goes on, or -1 if it is all used. */
  private fillBulk(chunk: Buffer, base: number): number {
    const need = this.bulkLen + 2 - this.partsBytes;
    if (chunk.length < need) {
      if (chunk.length > 0) this.parts.push(chunk);
      this.partsBytes += chunk.length;
      return -1;
    }
    const parts = this.parts;
    parts.push(chunk.subarray(0, need));
    // A bulk that merely started at this chunk's first byte is still a view; otherwise one copy.
    const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.bulkLen + 2);
    this.parts = [];
    this.partsBytes = 0;
    const args = this.args;
    if (args !== null) this.addArg(args, whole.subarray(0, this.bulkLen), base + need);
    return need;
  }

  /** Completes the tail line with the chunk's first bytes; returns where the chunk goes on, or -1. */
  private finishLine(chunk: Buffer, base: number): number {
    const tail = this.tail;
    if (tail === null) return 0;
    let need = -1;
    if (this.args === null && tail[0] !== STAR) {
      // Inline lines end at LF.
      const lf = chunk.indexOf(LF);
      if (lf >= 0) need = lf + 1;
    } else if (tail[tail.length - 1] === CR) {
      // Header lines end at the first CR plus one more byte (the LF, unchecked as in Redis).
      if (chunk.length > 0) need = 1;
    } else {
      const cr = chunk.indexOf(CR);
      if (cr >= 0 && cr + 1 < chunk.length) need = cr + 2;
    }
    if (need < 0) {
      const longer = Buffer.concat([tail, chunk]);
      this.tail = longer;
      // The line is at least this long (a last CR may be its terminator).
      if (longer.length - (longer[longer.length - 1] === CR ? 1 : 0) > this.limits.maxInlineBytes) {
        this.fail(this.args !== null ? TOO_BIG_BULK : tail[0] === STAR ? TOO_BIG_MBULK : TOO_BIG_INLINE);
      }
      return -1;
    }
    this.tail = null;
    // The joined buffer holds exactly the line, so run() consumes all of it.
    this.run(Buffer.concat([tail, chunk.subarray(0, need)]), 0, base - tail.length);
    return need;
  }

  /**
   * Reads the `*<n>` or `$<n>` line at pos (its first byte is not checked here). Returns the
   * number (NEGATIVE for any valid negative, Infinity beyond 2^53), BAD when Redis's string2ll
   * would refuse it, or NEED_MORE. A line longer than maxInlineBytes fails with tooBig, whether
   * or not its end has arrived, so the outcome does not depend on how the bytes were split.
   */
  private header(buf: Buffer, pos: number, end: number, tooBig: string): number {
    let i = pos + 1;
    let v = 0;
    for (; i < end; i++) {
      const c = buf[i];
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    // Like Redis (strchr from the line start): a CR in the type position ends the line there.
    const cr = buf[pos] === CR ? pos : i < end && buf[i] === CR ? i : buf.indexOf(CR, i);
    const max = this.limits.maxInlineBytes;
    if (cr < 0) {
      if (end - pos > max) this.fail(tooBig);
      return NEED_MORE;
    }
    if (cr - pos > max) this.fail(tooBig);
    if (cr + 1 >= end) return NEED_MORE;
    this.next = cr + 2;
    const digits = cr - pos - 1;
    // Fast path: 1..15 plain digits with no leading zero (bar "0" itself) are exactly v.
    if (cr === i && digits > 0 && digits <= 15 && (buf[pos + 1] !== 48 || digits === 1)) return v;
    return string2ll(buf, pos + 1, cr);
  }

  /** Parses the inline command at pos; returns the position after its line, or -1 for more bytes. */
  private inline(buf: Buffer, pos: number): number {
    const max = this.limits.maxInlineBytes;
    const lf = buf.indexOf(LF, pos);
    if (lf < 0) {
      if (buf.length - pos - (buf[buf.length - 1] === CR ? 1 : 0) > max) this.fail(TOO_BIG_INLINE);
      return -1;
    }
    const stop = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    if (stop - pos > max) this.fail(TOO_BIG_INLINE);
    const argv = splitArgs(buf, pos, stop);
    if (argv === null) this.fail(UNBALANCED);
    // An empty line is no command.
    if (argv.length > 0) this.out.push(argv);
    return lf + 1;
  }

  private fail(message: string): never {
    this.failure = message;
    throw new RespProtocolError(message, this.out);
  }
}

/** Redis's string2ll over buf[start, end): optional '-', no '+', no leading zeros, int64 range. */
function string2ll(buf: Buffer, start: number, end: number): number {
  if (end <= start) return BAD;
  if (end - start === 1 && buf[start] === 48) return 0;
  const negative = buf[start] === 45;
  const first = negative ? start + 1 : start;
  if (first === end || buf[first] < 49 || buf[first] > 57) return BAD;
  for (let i = first + 1; i < end; i++) if (buf[i] < 48 || buf[i] > 57) return BAD;
  if (end - first <= 15) {
    if (negative) return NEGATIVE;
    let v = 0;
    for (let i = first; i < end; i++) v = v * 10 + (buf[i] - 48);
    return v;
  }
  // Rare: valid only within int64; such a value exceeds every limit anyway.
  const big = BigInt(buf.toString('latin1', first, end));
  if (big > (negative ? INT64_MAX + 1n : INT64_MAX)) return BAD;
  return negative ? NEGATIVE : Infinity;
}

/** C isspace(): space, \t \n \v \f \r. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Ends an unquoted token in sdssplitargs (a subset of isspace, plus NUL). */
function endsToken(c: number): boolean {
  return c === 32 || c === LF || c === CR || c === 9;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const ESCAPES: Record<number, number> = { 110: LF, 114: CR, 116: 9, 98: 8, 97: 7 };

/**
 * Redis's sdssplitargs over line[start, end): whitespace-separated tokens, "double quotes" with
 * \n \r \t \b \a \xHH and \<any> escapes, 'single quotes' with \' only; a closing quote must be
 * followed by whitespace or the end. The line is a C string there, so a NUL byte ends it.
 * Returns null for unbalanced quotes. Plain tokens are views; quoted ones are decoded copies.
 */
function splitArgs(line: Buffer, start: number, end: number): Buffer[] | null {
  const nul = line.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  const at = (i: number): number => (i < end ? line[i] : 0);
  const argv: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(line[p])) p++;
    if (p >= end) return argv;
    let q = p;
    while (q < end && !endsToken(line[q]) && line[q] !== 34 && line[q] !== 39) q++;
    if (q === end || endsToken(line[q])) {
      argv.push(line.subarray(p, q));
      p = q;
      continue;
    }
    // A quote inside the token: decode it byte by byte into a scratch buffer.
    const token = Buffer.allocUnsafe(end - p);
    let n = 0;
    let dq = false;
    let sq = false;
    for (;;) {
      const c = at(p);
      if (dq) {
        if (c === 92 && at(p + 1) === 120 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          token[n++] = hexValue(at(p + 2)) * 16 + hexValue(at(p + 3));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          token[n++] = ESCAPES[line[p]] ?? line[p];
        } else if (c === 34) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          p++;
          break;
        } else if (c === 0) {
          return null;
        } else {
          token[n++] = c;
        }
      } else if (sq) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          token[n++] = 39;
        } else if (c === 39) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          p++;
          break;
        } else if (c === 0) {
          return null;
        } else {
          token[n++] = c;
        }
      } else if (c === 0 || endsToken(c)) {
        break;
      } else if (c === 34) {
        dq = true;
      } else if (c === 39) {
        sq = true;
      } else {
        token[n++] = c;
      }
      p++;
    }
    argv.push(token.subarray(0, n));
  }
}

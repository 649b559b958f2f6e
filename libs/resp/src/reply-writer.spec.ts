// Exact wire bytes of every reply kind in RESP2 and RESP3, and take()'s buffer ownership.
import { ReplyWriter } from './reply-writer.js';

function bytes(protocol: 2 | 3, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.protocol = protocol;
  write(w);
  return w.take()?.toString('latin1') ?? '';
}

describe('ReplyWriter', () => {
  it.each([2, 3] as const)('writes the protocol-independent kinds the same in RESP%s', (p) => {
    expect(bytes(p, (w) => w.simple('OK'))).toBe('+OK\r\n');
    expect(bytes(p, (w) => w.error("ERR unknown command 'foo'"))).toBe("-ERR unknown command 'foo'\r\n");
    expect(bytes(p, (w) => w.integer(0))).toBe(':0\r\n');
    expect(bytes(p, (w) => w.integer(-42))).toBe(':-42\r\n');
    expect(bytes(p, (w) => w.integer(Number.MAX_SAFE_INTEGER))).toBe(':9007199254740991\r\n');
    expect(bytes(p, (w) => w.integer(2 ** 60))).toBe(':1152921504606846976\r\n');
    expect(bytes(p, (w) => w.integer(-(2n ** 63n)))).toBe(':-9223372036854775808\r\n');
    expect(bytes(p, (w) => w.bulk(Buffer.from('bar')))).toBe('$3\r\nbar\r\n');
    expect(bytes(p, (w) => w.bulk(''))).toBe('$0\r\n\r\n');
    expect(bytes(p, (w) => w.bulk('é'))).toBe('$2\r\n\xc3\xa9\r\n');
    expect(bytes(p, (w) => w.bulk(Buffer.from([0, 13, 10, 255])))).toBe('$4\r\n\x00\r\n\xff\r\n');
    expect(bytes(p, (w) => w.arrayHeader(2))).toBe('*2\r\n');
    expect(bytes(p, (w) => w.arrayHeader(0))).toBe('*0\r\n');
  });

  it('writes the RESP2 forms', () => {
    expect(bytes(2, (w) => w.nil())).toBe('$-1\r\n');
    expect(bytes(2, (w) => w.nullArray())).toBe('*-1\r\n');
    expect(bytes(2, (w) => w.mapHeader(3))).toBe('*6\r\n');
    expect(bytes(2, (w) => w.setHeader(3))).toBe('*3\r\n');
    expect(bytes(2, (w) => w.verbatim('héllo'))).toBe('$6\r\nh\xc3\xa9llo\r\n');
    expect(bytes(2, (w) => w.double(3.14))).toBe('$4\r\n3.14\r\n');
    expect(bytes(2, (w) => w.double(Infinity))).toBe('$3\r\ninf\r\n');
    expect(bytes(2, (w) => w.boolean(true))).toBe(':1\r\n');
    expect(bytes(2, (w) => w.boolean(false))).toBe(':0\r\n');
  });

  it('writes the RESP3 forms', () => {
    expect(bytes(3, (w) => w.nil())).toBe('_\r\n');
    expect(bytes(3, (w) => w.nullArray())).toBe('_\r\n');
    expect(bytes(3, (w) => w.mapHeader(3))).toBe('%3\r\n');
    expect(bytes(3, (w) => w.setHeader(3))).toBe('~3\r\n');
    expect(bytes(3, (w) => w.verbatim('héllo'))).toBe('=10\r\ntxt:h\xc3\xa9llo\r\n');
    expect(bytes(3, (w) => w.verbatim('# x', 'mkd'))).toBe('=7\r\nmkd:# x\r\n');
    expect(bytes(3, (w) => w.double(3.14))).toBe(',3.14\r\n');
    expect(bytes(3, (w) => w.double(10))).toBe(',10\r\n');
    expect(bytes(3, (w) => w.double(-0))).toBe(',-0\r\n');
    expect(bytes(3, (w) => w.double(-Infinity))).toBe(',-inf\r\n');
    expect(bytes(3, (w) => w.double(NaN))).toBe(',nan\r\n');
    expect(bytes(3, (w) => w.boolean(true))).toBe('#t\r\n');
    expect(bytes(3, (w) => w.boolean(false))).toBe('#f\r\n');
  });

  it('turns CR and LF of simple strings and errors into spaces, as Redis does', () => {
    expect(bytes(2, (w) => w.error('ERR bad\r\nthing'))).toBe('-ERR bad  thing\r\n');
    expect(bytes(2, (w) => w.simple('a\nb'))).toBe('+a b\r\n');
  });

  it('encodes non-ASCII and multi-line strings right wherever the buffer boundary falls', () => {
    const expected = '$6\r\nh\xc3\xa9llo\r\n-ERR a b\r\n+\xc3\xa9\r\n$3\r\nabc\r\n';
    for (let fill = 0; fill < 80; fill++) {
      const w = new ReplyWriter(64);
      w.bulk(Buffer.alloc(fill));
      w.take();
      w.bulk('héllo');
      w.error('ERR a\nb');
      w.simple('é');
      w.bulk('abc');
      expect(w.take()?.toString('latin1')).toBe(expected);
    }
  });

  it('refuses what has no RESP encoding', () => {
    const w = new ReplyWriter();
    expect(() => w.integer(1.5)).toThrow(RangeError);
    expect(() => w.arrayHeader(-1)).toThrow(RangeError);
    w.protocol = 3;
    expect(() => w.verbatim('x', 'text')).toThrow(RangeError);
    expect(w.length).toBe(0);
  });

  it('writes every digit count exactly', () => {
    for (let n = 1, digits = 1; digits <= 16; n *= 10, digits++) {
      for (const v of [n - 1, n, n + 7, -n]) expect(bytes(2, (w) => w.integer(v))).toBe(`:${v}\r\n`);
    }
  });

  it('returns everything since the last take as one buffer, and undefined when empty', () => {
    const w = new ReplyWriter();
    expect(w.take()).toBeUndefined();
    w.simple('OK');
    w.bulk('v');
    expect(w.length).toBe(12);
    expect(w.take()?.toString()).toBe('+OK\r\n$1\r\nv\r\n');
    expect(w.length).toBe(0);
    expect(w.take()).toBeUndefined();
  });

  it('never changes a taken buffer while writing continues, across growth and fresh buffers', () => {
    const w = new ReplyWriter(64);
    const taken: Array<[Buffer, string]> = [];
    for (let i = 0; i < 200; i++) {
      const value = 'x'.repeat(i % 37) + i;
      w.bulk(value);
      if (i % 3 === 0) w.integer(i);
      if (i % 5 === 0) {
        const b = w.take();
        if (b !== undefined) taken.push([b, b.toString('latin1')]);
      }
    }
    w.take();
    w.bulk(Buffer.alloc(1000, 1));
    const last = w.take();
    expect(last?.length).toBe(1000 + 9);
    for (const [b, text] of taken) expect(b.toString('latin1')).toBe(text);
  });

  it('grows by doubling for one large batch and starts small again afterwards', () => {
    // 5000 bytes: above Buffer.poolSize/2, so each buffer is its own ArrayBuffer we can measure.
    const w = new ReplyWriter(5000);
    const big = Buffer.alloc(10_000, 7);
    w.bulk(big);
    w.bulk(big);
    const out = w.take();
    expect(out?.length).toBe(2 * (10_000 + 10));
    expect(out?.subarray(8, 10_008).equals(big)).toBe(true);
    // Small replies use up the big buffer's free space, then go to a buffer of the initial size.
    let fresh: Buffer | undefined;
    for (let i = 0; i < 10_000 && fresh === undefined; i++) {
      w.simple('OK');
      const b = w.take();
      if (b !== undefined && b.buffer !== out?.buffer) fresh = b;
    }
    expect(out?.buffer.byteLength).toBe(40_000);
    expect(fresh?.buffer.byteLength).toBe(5000);
  });
});

import { compactJson, formatMs, renderFields, renderJson, renderTable } from './output.js';

describe('output rendering', () => {
  it('renders a table: upper-case headers, padded columns, numbers right-aligned, no trailing spaces', () => {
    const text = renderTable(
      ['node', 'state', 'term', 'leader'],
      [
        ['node1', 'leader', 12, 'node1'],
        ['node22', 'follower', 3, null],
      ],
    );
    expect(text).toBe(
      ['NODE    STATE     TERM  LEADER', 'node1   leader      12  node1', 'node22  follower     3  -', ''].join('\n'),
    );
  });

  it('aligns columns as told, and shows missing cells as -', () => {
    const text = renderTable(
      ['url', 'latency'],
      [
        ['http://a:1', '1.5 ms'],
        ['http://bb:2', undefined],
      ],
      { align: { latency: 'right' } },
    );
    expect(text).toBe(['URL          LATENCY', 'http://a:1    1.5 ms', 'http://bb:2        -', ''].join('\n'));
  });

  it('renders a header alone for no rows', () => {
    expect(renderTable(['id', 'body'], [])).toBe('ID  BODY\n');
  });

  it('renders label/value blocks aligned', () => {
    expect(
      renderFields([
        ['resource', 'orders'],
        ['fencing token', 7],
        ['ttl', undefined],
      ]),
    ).toBe('resource:       orders\nfencing token:  7\nttl:            -\n');
  });

  it('renders one pretty JSON document with a final newline', () => {
    expect(renderJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });

  it('cuts long JSON for table cells', () => {
    expect(compactJson({ a: 1 })).toBe('{"a":1}');
    expect(compactJson('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
    expect(compactJson('x'.repeat(100), 10)).toHaveLength(10);
  });

  it('formats durations for people', () => {
    expect(formatMs(0.42)).toBe('0.4 ms');
    expect(formatMs(12.6)).toBe('13 ms');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
    expect(formatMs(undefined)).toBe('-');
    expect(formatMs(NaN)).toBe('-');
  });
});

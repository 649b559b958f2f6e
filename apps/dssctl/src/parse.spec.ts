import { UsageError } from './errors.js';
import { parseBaseUrl, parseCount, parseDuration, parseJsonValue, parseRatio, parseUrlList } from './parse.js';

describe('argument parsers', () => {
  it('parses durations with units; a bare number is in the given unit', () => {
    expect(parseDuration('250', '--wait')).toBe(250);
    expect(parseDuration('250ms', '--wait')).toBe(250);
    expect(parseDuration('1.5s', '--wait')).toBe(1500);
    expect(parseDuration('2m', '--wait')).toBe(120_000);
    expect(parseDuration('1h', '--wait')).toBe(3_600_000);
    expect(parseDuration('2', '--duration', 's')).toBe(2000);
    expect(parseDuration('0', '--wait')).toBe(0);
  });

  it.each(['', 'soon', '-5', '5 s', '5sec', '1e3', 's'])('rejects the duration %p, naming the flag', (raw) => {
    expect(() => parseDuration(raw, '--ttl')).toThrow(UsageError);
    expect(() => parseDuration(raw, '--ttl')).toThrow(/^--ttl: ".*" is not a duration/);
  });

  it('parses whole numbers within bounds', () => {
    expect(parseCount('16', '--concurrency')).toBe(16);
    expect(parseCount('0', '--x', 0)).toBe(0);
    expect(() => parseCount('0', '--concurrency')).toThrow('--concurrency: "0" must be a whole number from 1 up');
    expect(() => parseCount('2000', '--concurrency', 1, 1024)).toThrow(
      '--concurrency: "2000" must be a whole number from 1 to 1024',
    );
    for (const bad of ['1.5', 'abc', '-1', '', '0x10']) expect(() => parseCount(bad, '--max')).toThrow(UsageError);
  });

  it('parses ratios as fractions or percentages', () => {
    expect(parseRatio('0.8', '--read-ratio')).toBe(0.8);
    expect(parseRatio('95%', '--read-ratio')).toBe(0.95);
    expect(parseRatio('1', '--read-ratio')).toBe(1);
    for (const bad of ['1.2', '-0.1', '120%', '%', 'half', ''])
      expect(() => parseRatio(bad, '--read-ratio')).toThrow(/^--read-ratio: /);
  });

  it('parses JSON values and explains how to send text', () => {
    expect(parseJsonValue('{"order":42}', 'message 1')).toEqual({ order: 42 });
    expect(parseJsonValue('"hello"', 'value')).toBe('hello');
    expect(parseJsonValue('null', 'value')).toBeNull();
    expect(() => parseJsonValue('hello', 'message 2')).toThrow(/^message 2 is not valid JSON: hello .*--raw/);
  });

  it('normalises base URLs and refuses anything else', () => {
    expect(parseBaseUrl('http://10.0.0.1:8001/', '--lock')).toBe('http://10.0.0.1:8001');
    expect(parseBaseUrl('10.0.0.1:8001', '--lock')).toBe('http://10.0.0.1:8001');
    expect(parseBaseUrl('https://dss.example:443', '--lock')).toBe('https://dss.example');
    expect(parseBaseUrl('http://[::1]:8001', '--lock')).toBe('http://[::1]:8001');
    expect(() => parseBaseUrl('ftp://x:1', '--lock')).toThrow('--lock: "ftp://x:1" must be an http:// or https:// URL');
    expect(() => parseBaseUrl('http://x:1/lock', '--lock')).toThrow(/without a path/);
    expect(() => parseBaseUrl('http://x:1?a=1', '--lock')).toThrow(/without a path/);
    expect(() => parseBaseUrl('http://x:99999', '--lock')).toThrow(/is not a URL/);
  });

  it('splits comma-separated URL lists', () => {
    expect(parseUrlList('a:1, http://b:2/ ,,c:3', '--cache')).toEqual(['http://a:1', 'http://b:2', 'http://c:3']);
    expect(() => parseUrlList(',', '--cache')).toThrow('--cache: give at least one URL');
  });
});

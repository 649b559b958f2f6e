import { ApiError } from '@dss/http';
import type { ConsoleConfig } from '@dss/config/pure';
import { ConsoleAuth } from './console-auth.js';

const RW = 'read-write-token-0123';
const RO = 'read-only-token-01234';
const config = (apiTokens?: ConsoleConfig['apiTokens']) => ({ apiTokens }) as ConsoleConfig;
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.code : String(err);
  }
  return 'passed';
};

describe('the console’s token check', () => {
  const auth = new ConsoleAuth(config({ readWrite: [RW], readOnly: [RO] }));

  it('lets everything through on an open cluster', () => {
    const open = new ConsoleAuth(config());
    expect(open.tokensRequired).toBe(false);
    expect(open.require(undefined, true)).toBe('open');
    expect(open.peek(undefined)).toBe('open');
  });

  it('tells a browser without a token that one is needed, and refuses its requests', () => {
    expect(auth.tokensRequired).toBe(true);
    expect(auth.peek(undefined)).toBeNull();
    expect(code(() => auth.require(undefined, false))).toBe('UNAUTHORIZED');
  });

  it('refuses an unknown token even where none is needed yet', () => {
    expect(code(() => auth.peek('Bearer not-a-known-token-000'))).toBe('UNAUTHORIZED');
    expect(code(() => auth.require('Bearer not-a-known-token-000', false))).toBe('UNAUTHORIZED');
  });

  it('lets a read-only token read and nothing else', () => {
    expect(auth.require(`Bearer ${RO}`, false)).toBe('readOnly');
    expect(code(() => auth.require(`Bearer ${RO}`, true))).toBe('UNAUTHORIZED');
    expect(auth.require(`Bearer ${RW}`, true)).toBe('readWrite');
  });
});

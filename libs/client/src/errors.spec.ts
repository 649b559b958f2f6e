import {
  DeadlockError,
  DssError,
  errorFromResponse,
  FencedError,
  InvalidArgumentError,
  LockedError,
  NotFoundError,
  OutcomeUnknownError,
  PayloadTooLargeError,
  StaleReceiptError,
  UnauthorizedError,
  UnavailableError,
} from './errors.js';

const envelope = (code: string, message: string, details: Record<string, unknown> = {}) => ({
  error: { code, message, ...details },
});
const URL1 = 'http://lock1:8001';

describe('errorFromResponse', () => {
  it.each([
    [400, 'INVALID_ARGUMENT', InvalidArgumentError],
    [401, 'UNAUTHORIZED', UnauthorizedError],
    [404, 'NOT_FOUND', NotFoundError],
    [409, 'STALE_RECEIPT', StaleReceiptError],
    [409, 'FENCED', FencedError],
    [413, 'PAYLOAD_TOO_LARGE', PayloadTooLargeError],
    [503, 'UNAVAILABLE', UnavailableError],
    [504, 'TIMEOUT', OutcomeUnknownError],
  ])('%i %s -> %p with status, code, message, body and endpoint', (status, code, type) => {
    const body = envelope(code, `it is ${code}`);
    const err = errorFromResponse(status, body, URL1);
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(DssError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ status, code, message: `it is ${code}`, body, endpoint: URL1, name: type.name });
  });

  it('409 LOCKED carries the holders', () => {
    const holders = [{ owner: 'alice', mode: 'exclusive', fencingToken: 12, expiresInMs: 900 }];
    const err = errorFromResponse(409, envelope('LOCKED', 'r is held', { holders }), URL1);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as LockedError).holders).toEqual(holders);
    expect(err.details).toEqual({ holders });
  });

  it('409 DEADLOCK carries the cycle', () => {
    const cycle = [
      { owner: 'q', resource: 'a' },
      { owner: 'p', resource: 'b' },
    ];
    const err = errorFromResponse(409, envelope('DEADLOCK', 'cycle', { cycle }), URL1);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as DeadlockError).cycle).toEqual(cycle);
  });

  it('409 FENCED carries the token offered and the fence', () => {
    const err = errorFromResponse(409, envelope('FENCED', 'older', { token: 6, fence: 7 }), URL1);
    expect(err).toMatchObject({ token: 6, fence: 7 });
  });

  it('409 STALE_RECEIPT carries the receipt', () => {
    const err = errorFromResponse(409, envelope('STALE_RECEIPT', 'stale', { receipt: 'rc-1' }), URL1);
    expect((err as StaleReceiptError).receipt).toBe('rc-1');
  });

  it('503 lists the endpoint as an attempt', () => {
    const err = errorFromResponse(503, envelope('UNAVAILABLE', 'no quorum'), URL1) as UnavailableError;
    expect(err.attempts).toEqual([{ url: URL1, error: 'HTTP 503 UNAVAILABLE: no quorum' }]);
  });

  it('falls back to the status when the body is no envelope (a proxy page)', () => {
    const err = errorFromResponse(404, '<html>not here</html>', URL1);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('HTTP 404: <html>not here</html>');
    expect(errorFromResponse(502, undefined)).toMatchObject({ code: 'INTERNAL', status: 502 });
  });

  it('keeps an unknown code as a plain DssError', () => {
    const err = errorFromResponse(500, envelope('INTERNAL', 'internal error'), URL1);
    expect(err.constructor).toBe(DssError);
    expect(err).toMatchObject({ code: 'INTERNAL', status: 500 });
  });
});

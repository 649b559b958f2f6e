import {
  DeadlockError,
  DssError,
  errorFromResponse,
  InvalidArgumentError,
  InvalidResponseError,
  LeaseLostError,
  LockedError,
  NotFoundError,
  OutcomeUnknownError,
  PayloadTooLargeError,
  StaleReceiptError,
  UnauthorizedError,
  UnavailableError,
} from '@dss/client';
import { CliError, describeFailure, failureHint, NotFoundError as CliNotFoundError, UsageError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

describe('exit codes', () => {
  it('are the documented numbers', () => {
    expect(EXIT).toEqual({
      OK: 0,
      UNEXPECTED: 1,
      USAGE: 2,
      NOT_FOUND: 3,
      CONFLICT: 4,
      UNAVAILABLE: 5,
      OUTCOME_UNKNOWN: 6,
      UNAUTHORIZED: 7,
      INTERRUPTED: 130,
    });
  });

  it.each([
    ['InvalidArgumentError', new InvalidArgumentError('bad', { status: 400 }), EXIT.USAGE],
    ['PayloadTooLargeError', new PayloadTooLargeError('big', { status: 413 }), EXIT.USAGE],
    ['UnauthorizedError', new UnauthorizedError('who', { status: 401 }), EXIT.UNAUTHORIZED],
    ['NotFoundError', new NotFoundError('gone', { status: 404 }), EXIT.NOT_FOUND],
    ['LockedError', new LockedError('held', { status: 409 }), EXIT.CONFLICT],
    ['DeadlockError', new DeadlockError('cycle', { status: 409 }), EXIT.CONFLICT],
    ['StaleReceiptError', new StaleReceiptError('stale', { status: 409 }), EXIT.CONFLICT],
    ['UnavailableError (503)', new UnavailableError('no leader', { status: 503 }), EXIT.UNAVAILABLE],
    [
      'UnavailableError (nothing reachable)',
      new UnavailableError('every endpoint failed', { attempts: [{ url: 'http://a:1', error: 'ECONNREFUSED' }] }),
      EXIT.UNAVAILABLE,
    ],
    ['OutcomeUnknownError (504)', new OutcomeUnknownError('timeout', { status: 504 }), EXIT.OUTCOME_UNKNOWN],
    ['OutcomeUnknownError (client timeout)', new OutcomeUnknownError('no answer in 5000 ms'), EXIT.OUTCOME_UNKNOWN],
    ['LeaseLostError', new LeaseLostError('r', 'o', 3, 'lost'), EXIT.CONFLICT],
    [
      'InvalidResponseError from a 502 proxy',
      new InvalidResponseError('not the API', { status: 502 }),
      EXIT.UNAVAILABLE,
    ],
    ['DssError INTERNAL 500', new DssError('INTERNAL', 'bug', { status: 500 }), EXIT.UNEXPECTED],
  ])("maps the client's %s", (_name, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
    expect(describeFailure(err).exitCode).toBe(code);
  });

  it.each([
    [400, EXIT.USAGE],
    [401, EXIT.UNAUTHORIZED],
    [404, EXIT.NOT_FOUND],
    [409, EXIT.CONFLICT],
    [413, EXIT.USAGE],
    [503, EXIT.UNAVAILABLE],
    [504, EXIT.OUTCOME_UNKNOWN],
  ])('maps an HTTP %i answer without an envelope (errorFromResponse)', (status, code) => {
    expect(exitCodeFor(errorFromResponse(status, 'plain text', 'http://a:1'))).toBe(code);
  });

  it('maps the server codes of 409 answers to conflict', () => {
    for (const code of ['LOCKED', 'DEADLOCK', 'STALE_RECEIPT', 'FENCED'])
      expect(exitCodeFor(errorFromResponse(409, { error: { code, message: 'x' } }))).toBe(EXIT.CONFLICT);
  });

  it("maps dssctl's own errors, Ctrl-C and anything else", () => {
    expect(describeFailure(new UsageError('--ttl: bad')).exitCode).toBe(EXIT.USAGE);
    expect(describeFailure(new CliNotFoundError('no key')).exitCode).toBe(EXIT.NOT_FOUND);
    expect(describeFailure(new CliError('X', 'y', EXIT.CONFLICT)).exitCode).toBe(EXIT.CONFLICT);
    expect(exitCodeFor(Object.assign(new Error('interrupted'), { name: 'AbortError' }))).toBe(EXIT.INTERRUPTED);
    expect(exitCodeFor(new TypeError('undefined is not a function'))).toBe(EXIT.UNEXPECTED);
    expect(exitCodeFor('a string')).toBe(EXIT.UNEXPECTED);
    expect(exitCodeFor(null)).toBe(EXIT.UNEXPECTED);
  });
});

describe('describeFailure', () => {
  it("keeps the server's code, message, status, endpoint and extra fields", () => {
    const err = errorFromResponse(
      409,
      {
        error: {
          code: 'LOCKED',
          message: 'orders is held',
          holders: [{ owner: 'w1', mode: 'exclusive', fencingToken: 7, expiresInMs: 900 }],
        },
      },
      'http://10.0.0.1:8001',
    );
    expect(describeFailure(err)).toEqual({
      code: 'LOCKED',
      message: 'orders is held',
      exitCode: EXIT.CONFLICT,
      details: {
        holders: [{ owner: 'w1', mode: 'exclusive', fencingToken: 7, expiresInMs: 900 }],
        status: 409,
        endpoint: 'http://10.0.0.1:8001',
      },
    });
  });

  it('lists the attempts of an unavailable call', () => {
    const f = describeFailure(
      new UnavailableError('no lock endpoint answered', {
        attempts: [{ url: 'http://a:1', error: 'connect ECONNREFUSED' }],
      }),
    );
    expect(f).toMatchObject({
      code: 'UNAVAILABLE',
      exitCode: EXIT.UNAVAILABLE,
      details: { attempts: [{ url: 'http://a:1', error: 'connect ECONNREFUSED' }] },
    });
  });

  it('calls an unknown failure UNEXPECTED', () => {
    expect(describeFailure(new TypeError('boom'))).toMatchObject({
      code: 'UNEXPECTED',
      message: 'boom',
      exitCode: EXIT.UNEXPECTED,
    });
  });

  it('adds who holds the lock, or the deadlock cycle, to the stderr line', () => {
    expect(failureHint({ holders: [{ owner: 'w1', mode: 'exclusive', fencingToken: 7 }] })).toBe(
      ' (held by w1 exclusive token 7)',
    );
    expect(
      failureHint({
        cycle: [
          { owner: 'q', resource: 'a' },
          { owner: 'p', resource: 'b' },
        ],
      }),
    ).toBe(' (cycle: q waits for a -> p waits for b)');
    expect(failureHint({ status: 404 })).toBe('');
  });
});

import { z } from 'zod';
import { AnswerChecker } from './answer-check.js';
import type { ApiRoute } from './api-route.js';

const routes: ApiRoute[] = [
  {
    method: 'post',
    path: '/cache/flush',
    operationId: 'flush',
    tag: 't',
    summary: 's',
    answers: { 200: z.strictObject({ flushed: z.int() }) },
    errors: [],
  },
  {
    method: 'get',
    path: '/cache/{key}',
    operationId: 'get',
    tag: 't',
    summary: 's',
    params: z.strictObject({ key: z.string() }),
    answers: { 200: z.strictObject({ key: z.string() }) },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'post',
    path: '/cache/{key}/incr',
    operationId: 'incr',
    tag: 't',
    summary: 's',
    params: z.strictObject({ key: z.string() }),
    answers: { 200: z.strictObject({ value: z.int() }) },
    errors: [],
  },
  {
    method: 'post',
    path: '/lock/acquire',
    operationId: 'acquire',
    tag: 't',
    summary: 's',
    body: z.strictObject({}),
    answers: { 200: z.strictObject({ acquired: z.literal(true) }) },
    errors: ['LOCKED', 'DEADLOCK'],
    errorDetails: { LOCKED: { holders: z.array(z.string()) } },
  },
];

describe('AnswerChecker', () => {
  const checker = new AnswerChecker(routes);

  it('matches as the router does: a literal segment beats a parameter, methods and lengths must agree', () => {
    expect(checker.match('POST', '/cache/flush')?.operationId).toBe('flush');
    expect(checker.match('GET', '/cache/flush')?.operationId).toBe('get');
    expect(checker.match('GET', '/cache/a%2Fb?x=1')?.operationId).toBe('get');
    expect(checker.match('POST', '/cache/k/incr')?.operationId).toBe('incr');
    expect(checker.match('DELETE', '/cache/k')).toBeUndefined();
    expect(checker.match('GET', '/cache/')).toBeUndefined();
  });

  it('accepts answers as the contract states them, successes and error envelopes', () => {
    expect(checker.check('POST', '/cache/flush', 200, { flushed: 3 })).toBeNull();
    expect(checker.check('GET', '/cache/k', 404, { error: { code: 'NOT_FOUND', message: 'no value' } })).toBeNull();
    expect(
      checker.check('POST', '/lock/acquire', 409, { error: { code: 'LOCKED', message: 'held', holders: ['a'] } }),
    ).toBeNull();
    expect(checker.check('POST', '/lock/acquire', 409, { error: { code: 'DEADLOCK', message: 'cycle' } })).toBeNull();
    expect(
      checker.check('POST', '/lock/acquire', 400, { error: { code: 'INVALID_ARGUMENT', message: 'bad' } }),
    ).toBeNull();
    expect(
      checker.check('POST', '/lock/acquire', 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'big' } }),
    ).toBeNull();
  });

  it('reports what differs: an unlisted status, a wrong or extra field, a wrong code, an unknown route', () => {
    expect(checker.check('POST', '/cache/flush', 201, { flushed: 3 })).toMatch(
      /answered 201: the contract lists no such status \(200, 401, 500\)/,
    );
    expect(checker.check('POST', '/cache/flush', 200, { flushed: '3' })).toMatch(/flushed: /);
    expect(checker.check('POST', '/cache/flush', 200, { flushed: 3, extra: 1 })).toMatch(/extra/);
    expect(checker.check('GET', '/cache/k', 404, { error: { code: 'LOCKED', message: 'x' } })).toMatch(
      /GET \/cache\/k \(GET \/cache\/\{key\}\) answered 404/,
    );
    expect(
      checker.check('POST', '/lock/acquire', 409, { error: { code: 'DEADLOCK', message: 'x', holders: [] } }),
    ).not.toBeNull();
    expect(checker.check('GET', '/nowhere', 404, {})).toMatch(/no route in the contract/);
  });
});

import { redisErrorCode } from './error-code.js';

const reply = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('redisErrorCode', () => {
  it.each([
    ['NOSCRIPT No matching script. Please use EVAL.', 'NOSCRIPT'],
    ["READONLY You can't write against a read only replica.", 'READONLY'],
    ['LOADING', 'LOADING'],
    ['ERR unknown command', 'ERR'],
    ['no code here', undefined],
  ])('reads the code of the reply %j', (message, code) => {
    expect(redisErrorCode(reply(message))).toBe(code);
  });

  it('has no code for an error that is not a Redis reply, whatever its message', () => {
    expect(redisErrorCode(new Error('READONLY but not from Redis'))).toBeUndefined();
    expect(redisErrorCode('NOSCRIPT')).toBeUndefined();
  });
});

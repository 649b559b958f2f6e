import { mapRedisError } from './map-redis-error.js';
import { QueueInputError, QueueStorageError, QueueStorageUnavailableError } from './queue-errors.js';

function replyError(message: string): Error {
  const err = new Error(message);
  err.name = 'ReplyError';
  return err;
}

describe('mapRedisError', () => {
  it('connection-level failures mean unavailable', () => {
    for (const msg of [
      'Connection is closed.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Command timed out',
      'connect ECONNREFUSED 127.0.0.1:6379',
    ]) {
      expect(mapRedisError(new Error(msg), 'op')).toBeInstanceOf(QueueStorageUnavailableError);
    }
    const retries = new Error('Reached the max retries per request limit');
    retries.name = 'MaxRetriesPerRequestError';
    expect(mapRedisError(retries, 'op')).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('transient replies mean unavailable, other replies are internal errors', () => {
    for (const msg of [
      'LOADING Redis is loading the dataset in memory',
      "READONLY You can't write against a read only replica.",
      'OOM command not allowed',
      'MASTERDOWN Link with MASTER is down',
    ]) {
      expect(mapRedisError(replyError(msg), 'op')).toBeInstanceOf(QueueStorageUnavailableError);
    }
    const bug = mapRedisError(
      replyError('ERR user_script:3: Script attempted to access nonexistent global variable'),
      'consume',
    );
    expect(bug).toBeInstanceOf(QueueStorageError);
    expect(bug.message).toContain('consume');
  });

  it('keeps queue errors as they are', () => {
    const err = new QueueInputError('bad');
    expect(mapRedisError(err, 'op')).toBe(err);
  });
});

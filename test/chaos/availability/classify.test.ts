import { HistoryBuilder } from '../../support/history/index.js';
import { classifyCacheOp, classifyCounterOp, classifyLockOp, classifyQueueOp, isSuccess } from './classify.js';

// What each workload records (see test/chaos/workloads/*) and how it counts for availability.
const locked = { error: { code: 'LOCKED', message: 'r1 is held' } };
const deadlock = { error: { code: 'DEADLOCK', message: 'cycle' } };
const notHeld = { error: { code: 'NOT_FOUND', message: 'r1 by c1-0 is not held' } };
const unavailable = { error: { code: 'UNAVAILABLE', message: 'no lock leader' } };
const stale = { error: { code: 'STALE_RECEIPT', message: 'the receipt is no longer valid' } };

describe('availability: classifying recorded operations', () => {
  it('lock: a grant and a release are served; held, deadlock and not-held answers are correct refusals; 503, 504 and network errors fail', () => {
    const h = new HistoryBuilder()
      .ok('c1', 'acquire', {}, [0, 5], { acquired: true, fencingToken: 3 })
      .fail('c1', 'acquire', {}, [1, 5], locked)
      .fail('c1', 'acquire', {}, [2, 5], deadlock)
      .fail('c1', 'release', {}, [3, 5], notHeld)
      .unknown('c1', 'acquire', {}, [4, 5], 'HTTP 503')
      .unknown('c1', 'acquire', {}, [5, 6], 'HTTP 504')
      .unknown('c1', 'release', {}, [6, 7], 'network error: fetch failed')
      .pending('c1', 'acquire', {}, 7)
      // A refusal the lock workload does not record as fail today: no known refusal code, so not excused.
      .fail('c1', 'acquire', {}, [8, 9], unavailable)
      .build();
    expect(h.map(classifyLockOp)).toEqual([
      'served',
      'refused',
      'refused',
      'refused',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('queue: an empty consume is served, a stale receipt is a correct refusal, the dead-letter reads after the run are ignored', () => {
    const h = new HistoryBuilder()
      .ok('p0', 'publish', {}, [0, 1], { ids: ['a'] })
      .ok('c0', 'consume', {}, [1, 2], { messages: [] })
      .ok('c0', 'ack', {}, [2, 3], { acked: 0 })
      .fail('c0', 'ack', {}, [3, 4], stale)
      .fail('p0', 'publish', {}, [4, 5], { error: { code: 'INVALID_ARGUMENT', message: 'x' } })
      .unknown('p0', 'publish', {}, [5, 6], 'HTTP 503')
      .unknown('c0', 'consume', {}, [6, 7], 'network error: The operation was aborted due to timeout')
      .ok('dead', 'dead', {}, [7, 8], { messages: [] })
      .build();
    expect(h.map(classifyQueueOp)).toEqual([
      'served',
      'served',
      'served',
      'refused',
      'failed',
      'failed',
      'failed',
      'ignored',
    ]);
  });

  it('cache: a 503 fails although the safety checker reads it as "nothing happened"; a read of an absent key is served', () => {
    const h = new HistoryBuilder()
      .ok('0', 'read', { key: 'k', node: 'vm1' }, [0, 1], null)
      .ok('0', 'write', { key: 'k', value: 'v', node: 'vm1' }, [1, 2])
      .fail('0', 'write', { key: 'k', value: 'w', node: 'vm1' }, [2, 3], unavailable)
      .unknown('0', 'write', { key: 'k', value: null, node: 'vm1' }, [3, 4], 'HTTP 504')
      .build();
    expect(h.map(classifyCacheOp)).toEqual(['served', 'served', 'failed', 'failed']);
  });

  it('counter: a write fenced off by a newer token is the fence working; an unreplicated op fails; the final read is ignored', () => {
    const h = new HistoryBuilder()
      .ok('0', 'read', { token: 5 }, [0, 1], { value: 3 })
      .ok('0', 'write', { token: 5, value: 4 }, [1, 2])
      .fail('0', 'write', { token: 4, value: 4 }, [2, 3], { error: 'fenced' })
      .unknown('0', 'write', { token: 6, value: 5 }, [3, 4], 'not replicated')
      .unknown('0', 'read', { token: 7 }, [4, 5], 'Connection is closed.')
      .ok('final', 'final', {}, [5, 6], { value: 4 })
      .fail('0', 'acquire', {}, [6, 7], locked)
      .build();
    expect(h.map(classifyCounterOp)).toEqual(['served', 'served', 'refused', 'failed', 'failed', 'ignored', 'refused']);
  });

  it('counts served and refused as success', () => {
    expect([isSuccess('served'), isSuccess('refused'), isSuccess('failed'), isSuccess('ignored')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

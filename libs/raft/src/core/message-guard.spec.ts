import { isMessage } from './message-guard.js';
import type { Message } from './messages.js';

const good: Message[] = [
  {
    type: 'app',
    from: 'a',
    to: 'b',
    term: 2,
    prevIndex: 4,
    prevTerm: 1,
    commit: 3,
    entries: [{ index: 5, term: 2, type: 'normal', data: '{}' }],
  },
  { type: 'appResp', from: 'b', to: 'a', term: 2, index: 4, reject: true, conflictIndex: 3, conflictTerm: 1 },
  { type: 'preVote', from: 'a', to: 'b', term: 3, lastLogIndex: 9, lastLogTerm: 2, transfer: false },
  { type: 'voteResp', from: 'b', to: 'a', term: 3, reject: false },
  { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 9, ctx: null },
  { type: 'heartbeatResp', from: 'b', to: 'a', term: 3, ctx: 'r1' },
  {
    type: 'snapshot',
    from: 'a',
    to: 'b',
    term: 3,
    snapshot: { meta: { index: 9, term: 2, peers: ['a', 'b'] }, data: 'img' },
  },
  { type: 'timeoutNow', from: 'a', to: 'b', term: 3 },
  { type: 'readIndex', from: 'b', to: 'a', term: 3, ctx: 'q' },
  { type: 'readIndexResp', from: 'a', to: 'b', term: 3, ctx: 'q', index: 9 },
];

describe('isMessage', () => {
  it.each(good.map((m) => [m.type, m]))('accepts a JSON round trip of %s', (_t, m) => {
    expect(isMessage(JSON.parse(JSON.stringify(m)))).toBe(true);
  });

  it.each([
    ['null', null],
    ['unknown type', { type: 'gossip', from: 'a', to: 'b', term: 1 }],
    ['negative term', { ...good[4], term: -1 }],
    ['fractional index', { ...good[1], index: 1.5 }],
    ['entries not following prevIndex', { ...good[0], entries: [{ index: 7, term: 2, type: 'normal', data: '' }] }],
    ['entry with bad type', { ...good[0], entries: [{ index: 5, term: 2, type: 'conf', data: '' }] }],
    ['missing ctx', { type: 'readIndex', from: 'b', to: 'a', term: 3 }],
    ['snapshot without peers', { ...good[6], snapshot: { meta: { index: 1, term: 1 }, data: '' } }],
  ])('rejects %s', (_n, v) => {
    expect(isMessage(v)).toBe(false);
  });
});

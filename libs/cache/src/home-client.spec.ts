import type { Histogram } from 'prom-client';
import type { Grant } from '@dss/mesi';
import { PeerRemoteError } from '@dss/transport';
import type { CacheMembership } from './cache-membership.service.js';
import type { CoherenceAnswer, CoherenceRequest, CoherenceRouter, UnblockMessage } from './coherence-router.js';
import { HomeClient } from './home-client.service.js';

// A grant made in a view-lease term this node has since left (its view
// changed, or its lease lapsed) is handed back and asked for again: a home of
// the new view may have rebuilt its directory without it (the chaos suite saw
// two Modified copies after a paused node came back).

type Answer = (msg: CoherenceRequest) => CoherenceAnswer;

function setup() {
  const state = { term: 0, answers: [] as Answer[] };
  const membership = {
    self: 'vm1',
    alive: ['vm1', 'vm2', 'vm3'],
    get term() {
      return state.term;
    },
    home: () => 'vm2',
    heard: () => undefined,
    watchDeath: () => () => undefined,
  } as unknown as CacheMembership;
  const requests: CoherenceRequest[] = [];
  const unblocks: UnblockMessage[] = [];
  const router = {
    request: async (_home: string, msg: CoherenceRequest) => {
      requests.push(msg);
      return state.answers[requests.length - 1]!(msg);
    },
    unblock: (_home: string, msg: UnblockMessage) => void unblocks.push(msg),
  } as unknown as CoherenceRouter;
  const histogram = { startTimer: () => () => 0 } as unknown as Histogram<'kind'>;
  return { client: new HomeClient(membership, router, histogram), state, requests, unblocks };
}

const grant = { kind: 'M', version: 7 } as unknown as Grant;

describe('HomeClient', () => {
  it('sends its view of the live nodes with every request', async () => {
    const { client, state, requests } = setup();
    state.answers = [() => ({ grant })];
    await client.request('k', 'getM');
    expect(requests[0]).toMatchObject({ key: 'k', from: 'vm1', kind: 'getM', view: ['vm1', 'vm2', 'vm3'] });
  });

  it.each(['getS', 'getM'] as const)(
    'hands back a %s grant that arrives in a later lease term, and asks again',
    async (kind) => {
      const { client, state, requests, unblocks } = setup();
      state.answers = [
        () => {
          state.term++; // the view changed (a new lease term) while the home worked on the request
          return { grant };
        },
        () => ({ grant }),
      ];
      const granted = await client.request('k', kind);
      expect(requests).toHaveLength(2);
      expect(unblocks).toEqual([{ key: 'k', txn: requests[0]!.txn, from: 'vm1' }]);
      expect(granted.txn).toBe(requests[1]!.txn);
    },
  );

  it('keeps a delete grant across a term change: dropping the copy is always safe', async () => {
    const { client, state, requests, unblocks } = setup();
    state.answers = [
      () => {
        state.term++;
        return { grant: { kind: 'del' } as unknown as Grant };
      },
    ];
    const granted = await client.request('k', 'del');
    expect(requests).toHaveLength(1);
    expect(unblocks).toEqual([]);
    expect(granted.txn).toBe(requests[0]!.txn);
  });

  it('asks again while the home sees other live nodes', async () => {
    const { client, state, requests } = setup();
    state.answers = [() => ({ viewDiffers: ['vm2', 'vm3'] }), () => ({ grant })];
    await client.request('k', 'getS');
    expect(requests).toHaveLength(2);
  });

  // The home's failure comes back with its ApiError code: its 504 says the change may have
  // happened there, so this node answers 504 too; any other failure promises nothing changed.
  it.each([
    ['TIMEOUT', 504],
    ['UNAVAILABLE', 503],
    [undefined, 503],
  ] as const)('answers a home that failed with code %s with %d', async (code, status) => {
    const { client, state } = setup();
    state.answers = [
      () => {
        throw new PeerRemoteError('vm2', 'cache.coherence', 'the memory (Redis) failed; the outcome is unknown', code);
      },
    ];
    await expect(client.request('k', 'del')).rejects.toMatchObject({ status });
  });
});

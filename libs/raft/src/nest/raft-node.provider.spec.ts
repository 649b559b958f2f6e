import type { PeerClients } from '@dss/transport';
import type { Message } from '../core/index.js';
import { raftTransport } from './raft-node.provider.js';

describe('raftTransport', () => {
  it('sends each batch as one raft.messages event, flushed at once (before the fsync that follows it)', () => {
    const sent: unknown[][] = [];
    const peers: Pick<PeerClients, 'emit'> = { emit: (...args: unknown[]) => void sent.push(args) };
    const batch = [{ type: 'app', from: 'node1', to: 'node2', term: 1 }] as unknown as Message[];
    raftTransport(peers).send('node2', batch);
    expect(sent).toEqual([['node2', 'raft.messages', batch, { flush: true }]]);
  });
});

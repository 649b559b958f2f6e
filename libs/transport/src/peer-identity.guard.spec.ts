import type { ExecutionContext } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Socket } from 'node:net';
import { PeerIdentityGuard } from './peer-identity.guard.js';
import type { PeerRejections } from './peer-rejections.service.js';
import { PeerSocket } from './peer-socket.js';
import type { PeerTransportOptions } from './transport-options.js';

// The guard's decisions, with the verified identity of a connection set by hand.

const options: PeerTransportOptions = {
  selfId: 'node1',
  role: 'lock',
  peers: [
    { id: 'node2', host: '127.0.0.1', peerPort: 9002, httpPort: 8002 },
    { id: 'node3', host: '127.0.0.1', peerPort: 9003, httpPort: 8003 },
  ],
  timeoutMs: 1000,
  bindHost: '127.0.0.1',
  port: 9001,
  clusterNodeIds: ['node1', 'node2', 'node3'],
  tls: { ca: 'ca', cert: 'cert', key: 'key' },
};

function socketOf(peerId: string | undefined): PeerSocket {
  const s = new PeerSocket(new Socket());
  Object.defineProperty(s, 'peerId', { value: peerId });
  return s;
}

function rpc(socket: PeerSocket, data: unknown, type = 'rpc', pattern = 'raft.messages'): ExecutionContext {
  const tcp = { getSocketRef: () => socket, getPattern: () => pattern };
  return {
    getType: () => type,
    switchToRpc: () => ({ getContext: () => tcp, getData: () => data }),
  } as unknown as ExecutionContext;
}

describe('PeerIdentityGuard', () => {
  const recorded: string[] = [];
  const rejections = { record: (reason: string) => recorded.push(reason) } as unknown as PeerRejections;
  const guard = new PeerIdentityGuard(options, rejections);
  beforeEach(() => recorded.splice(0));

  it('lets a member speak for itself, alone or in a batch', () => {
    expect(guard.canActivate(rpc(socketOf('node2'), { from: 'node2' }))).toBe(true);
    expect(guard.canActivate(rpc(socketOf('node3'), [{ from: 'node3' }, { from: 'node3' }]))).toBe(true);
    expect(guard.canActivate(rpc(socketOf('node2'), { topic: 't' }))).toBe(true);
    expect(recorded).toEqual([]);
  });

  it.each([
    ['a connection without a verified certificate', undefined, { from: 'node2' }, 'unauthenticated'],
    ['a node that is not a peer of this role', 'node9', { from: 'node9' }, 'unknown_peer'],
    ['this node itself', 'node1', { from: 'node1' }, 'unknown_peer'],
    ['a member speaking for another', 'node2', { from: 'node3' }, 'spoofed_sender'],
    ['a batch with one message from another', 'node2', [{ from: 'node2' }, { from: 'node3' }], 'spoofed_sender'],
  ])('refuses %s and counts it', (_name, peer, data, reason) => {
    expect(() => guard.canActivate(rpc(socketOf(peer), data))).toThrow(RpcException);
    expect(recorded).toEqual([reason]);
  });

  it('takes the Redis topology request from any node of the cluster, this one included, and from no one else', () => {
    expect(guard.canActivate(rpc(socketOf('node1'), { from: 'node1' }, 'rpc', 'redis.topology'))).toBe(true);
    expect(guard.canActivate(rpc(socketOf('node3'), { from: 'node3' }, 'rpc', 'redis.topology'))).toBe(true);
    expect(() => guard.canActivate(rpc(socketOf('node9'), { from: 'node9' }, 'rpc', 'redis.topology'))).toThrow(
      RpcException,
    );
    expect(() => guard.canActivate(rpc(socketOf('node2'), { from: 'node3' }, 'rpc', 'redis.topology'))).toThrow(
      RpcException,
    );
    // Any other pattern from this node itself (another role's daemon) is refused.
    expect(() => guard.canActivate(rpc(socketOf('node1'), { from: 'node1' }))).toThrow(RpcException);
    expect(recorded).toEqual(['unknown_peer', 'spoofed_sender', 'unknown_peer']);
  });

  it('leaves HTTP requests and clusters without mTLS alone', () => {
    expect(guard.canActivate(rpc(socketOf(undefined), {}, 'http'))).toBe(true);
    const open = new PeerIdentityGuard({ ...options, tls: undefined }, rejections);
    expect(open.canActivate(rpc(socketOf(undefined), { from: 'node3' }))).toBe(true);
    expect(recorded).toEqual([]);
  });
});

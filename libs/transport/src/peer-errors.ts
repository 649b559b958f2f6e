// What can go wrong with a peer call, as types a caller can switch on.

export abstract class PeerError extends Error {
  constructor(
    readonly peerId: string,
    readonly pattern: string,
    message: string,
  ) {
    super(`peer ${peerId} ${pattern}: ${message}`);
    this.name = new.target.name;
  }
}

/** No answer within the call's timeout; the peer may or may not have acted on it. */
export class PeerTimeoutError extends PeerError {
  constructor(peerId: string, pattern: string, readonly timeoutMs: number) {
    super(peerId, pattern, `no answer within ${timeoutMs} ms`);
  }
}

/** Could not reach the peer (refused, reset, closed): it did not get the request, or died handling it. */
export class PeerUnavailableError extends PeerError {
  constructor(peerId: string, pattern: string, readonly reason: string) {
    super(peerId, pattern, `unreachable (${reason})`);
  }
}

/** The peer got the request and its handler failed. */
export class PeerRemoteError extends PeerError {
  constructor(peerId: string, pattern: string, readonly remoteMessage: string) {
    super(peerId, pattern, `failed at the peer: ${remoteMessage}`);
  }
}

/** The caller named a node that is not a peer of this role. */
export class UnknownPeerError extends PeerError {
  constructor(peerId: string, pattern: string) {
    super(peerId, pattern, 'not a peer of this role');
  }
}

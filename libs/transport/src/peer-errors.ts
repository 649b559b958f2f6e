// What can go wrong with a peer call, as types a caller can switch on.
import type { ApiErrorCode } from '@dss/http';

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
  constructor(
    peerId: string,
    pattern: string,
    readonly timeoutMs: number,
  ) {
    super(peerId, pattern, `no answer within ${timeoutMs} ms`);
  }
}

/** Could not reach the peer (refused, reset, closed): it did not get the request, or died handling it. */
export class PeerUnavailableError extends PeerError {
  constructor(
    peerId: string,
    pattern: string,
    readonly reason: string,
  ) {
    super(peerId, pattern, `unreachable (${reason})`);
  }
}

/**
 * The peer got the request and its handler failed. `code` is the ApiError code it
 * failed with (undefined for other failures, such as a refusal): switch on it, the
 * message is for people and may change.
 */
export class PeerRemoteError extends PeerError {
  constructor(
    peerId: string,
    pattern: string,
    readonly remoteMessage: string,
    readonly code?: ApiErrorCode,
  ) {
    super(peerId, pattern, `failed at the peer: ${code ? `${code}: ` : ''}${remoteMessage}`);
  }
}

/** PeerConnection fails the requests pending on a socket that closed with no error of its own with this. */
export class PeerConnectionClosedError extends Error {
  constructor() {
    super('Connection closed');
    this.name = 'PeerConnectionClosedError';
  }
}

/** The caller named a node that is not a peer of this role. */
export class UnknownPeerError extends PeerError {
  constructor(peerId: string, pattern: string) {
    super(peerId, pattern, 'not a peer of this role');
  }
}

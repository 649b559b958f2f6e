// The typed peer protocol: every pattern a peer can be asked, with its request
// and response types. Later libraries add their own patterns by augmenting
// this interface (declare module '@dss/transport/peer-rpc-contract.js' { interface PeerRpcContract { ... } }).

export interface PingRequest {
  readonly from: string;
  readonly role: string;
}

export interface PingResponse {
  readonly node: string;
  readonly role: string;
  /** Wall-clock milliseconds at the peer, for spotting clock skew by eye. */
  readonly time: number;
}

export interface PeerRpcContract {
  'dss.ping': { request: PingRequest; response: PingResponse };
}

export type PeerPattern = keyof PeerRpcContract;
export type PeerRequest<P extends PeerPattern> = PeerRpcContract[P]['request'];
export type PeerResponse<P extends PeerPattern> = PeerRpcContract[P]['response'];

/**
 * One-way peer events (no answer), e.g. Raft messages: pattern → payload type.
 * Augmented by other libraries like PeerRpcContract.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by module augmentation
export interface PeerEventContract {}

export type PeerEventPattern = keyof PeerEventContract;

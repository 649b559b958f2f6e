// Types shared by the two halves of the protocol: the cache controller on
// every node (cache-line.ts) and the directory on each key's home node
// (directory.ts). Both are pure: they take an event and return the actions
// the caller must perform (send, read/write memory, answer the client).

export type NodeId = string;

/** The stable MESI states of a line in one node's cache. */
export type Stable = 'M' | 'E' | 'S' | 'I';
export const STABLE_STATES: readonly Stable[] = ['M', 'E', 'S', 'I'];

/**
 * What a node asks the key's home for. `getM` asks for ownership without the data (the
 * writer replaces the whole value); `getMD` asks for ownership with the current value, for a
 * read-modify-write (INCR, SET NX, EXPIRE) that must see the newest value atomically.
 * `evict` tells the home it dropped the line.
 */
export type RequestKind = 'getS' | 'getM' | 'getMD' | 'del' | 'evict';

/** What the home asks a holder to do with its copy. */
export type ForwardKind = 'invalidate' | 'downgrade';

/** Where the data a read returns came from (for metrics and the API). */
export type DataSource = 'local' | 'peer' | 'memory';

/**
 * A holder's answer to a forwarded message: what it held before, and its
 * data when it had some (`value` absent = it held nothing). `dirty` means the
 * value is newer than memory, so the home must write it back first.
 */
export interface ForwardReply {
  readonly held: Stable;
  readonly value?: string;
  readonly version: number;
  readonly dirty: boolean;
}

/** The home's answer to a request: the grant the requester installs. */
export type Grant =
  | {
      readonly kind: 'read';
      readonly state: 'S' | 'E';
      readonly value: string;
      readonly version: number;
      readonly source: 'peer' | 'memory';
    }
  | { readonly kind: 'read'; readonly state: 'I' }
  /** `current` answers a getMD: the newest value (absent when the key has none). */
  | { readonly kind: 'write'; readonly version: number; readonly current?: { readonly value?: string } }
  /** `value` is the value the delete removed, when there was one (GETDEL answers it). */
  | { readonly kind: 'delete'; readonly existed: boolean; readonly value?: string }
  | { readonly kind: 'evict' };

/** A violation of the protocol's own rules: a bug in the caller or the protocol, never bad client input. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

import { Injectable } from '@nestjs/common';
import { PeerClients } from '@dss/transport';
import { CacheDirectory } from './cache-directory.service.js';
import { CacheLines } from './cache-lines.service.js';
import { CacheMembership } from './cache-membership.service.js';

export interface LocalCoherence {
  readonly node: string;
  /** The line's state here: M, E, S, I, or a transient state while a transaction runs. */
  readonly state: string;
  readonly version: number;
  readonly dirty: boolean;
  /** Present on the key's home: its directory entry. */
  readonly directory?: ReturnType<CacheDirectory['describe']>;
}

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** One node's state of a line, for GET /cache/{key}/coherence. */
    'cache.peek': { request: { key: string }; response: LocalCoherence };
  }
}

/** Every node's state of one line: the coherence demo's view. */
@Injectable()
export class CoherenceView {
  constructor(
    private readonly membership: CacheMembership,
    private readonly lines: CacheLines,
    private readonly directory: CacheDirectory,
    private readonly peers: PeerClients,
  ) {}

  local(key: string): LocalCoherence {
    const d = this.directory.describe(key);
    return { node: this.membership.self, ...this.lines.peek(key), ...(d ? { directory: d } : {}) };
  }

  async all(key: string): Promise<Record<string, unknown>> {
    const answers = await Promise.all(
      this.membership.ring.nodes.map(async (n) => {
        if (n === this.membership.self) return this.local(key);
        return this.peers.call(n, 'cache.peek', { key }).catch(() => ({ node: n, unreachable: true as const }));
      }),
    );
    const states: Record<string, string> = {};
    const unreachable: string[] = [];
    let directory: LocalCoherence['directory'];
    for (const a of answers) {
      if ('unreachable' in a) unreachable.push(a.node);
      else {
        states[a.node] = a.state;
        directory ??= a.directory;
      }
    }
    return {
      key,
      home: this.membership.home(key),
      states,
      ...(directory ? { directory } : {}),
      ...(unreachable.length ? { unreachable } : {}),
    };
  }
}

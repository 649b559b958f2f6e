import { Logger, type Provider } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import { PeerClients } from '@dss/transport';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { RaftNode } from '../driver/raft-node.js';
import type { RaftObserver, RaftTransport } from '../driver/raft-transport.js';
import { FileRaftStorage } from '../storage/file-raft-storage.js';
import { RAFT_METRICS } from './raft-metrics.js';
import { RAFT_MODULE_OPTIONS, RAFT_NODE, type RaftModuleOptions } from './raft-options.js';

const ROLES = ['follower', 'pre-candidate', 'candidate', 'leader'] as const;

interface RaftMetricSet {
  term: Gauge;
  role: Gauge<'state'>;
  isLeader: Gauge;
  leaderChanges: Counter;
  elections: Counter;
  commitIndex: Gauge;
  appliedIndex: Gauge;
  appendSeconds: Histogram;
  fsyncSeconds: Histogram<'kind'>;
  snapshots: Counter;
}

function observerFor(m: RaftMetricSet): RaftObserver {
  let leader: string | null = null;
  let role = '';
  return {
    onRole(newRole, term, newLeader) {
      m.term.set(term);
      for (const r of ROLES) m.role.set({ state: r }, r === newRole ? 1 : 0);
      m.isLeader.set(newRole === 'leader' ? 1 : 0);
      if (newRole === 'candidate' && role !== 'candidate') m.elections.inc();
      if (newLeader !== leader && newLeader !== null) m.leaderChanges.inc();
      leader = newLeader;
      role = newRole;
    },
    onIndexes(commit, applied) {
      m.commitIndex.set(commit);
      m.appliedIndex.set(applied);
    },
    onAppend(seconds) {
      m.appendSeconds.observe(seconds);
    },
    onSnapshot() {
      m.snapshots.inc();
    },
  };
}

/** Builds the RaftNode: file storage in dataDir, messages over PeerClients, metrics. */
/**
 * Raft's messages as peer events, flushed at once: the driver sends a Ready's messages
 * right before its fsync, which blocks the loop; held to the end of the loop turn
 * (PeerSocket), the followers' writes would wait for the leader's instead of running
 * beside it (the leader's parallel disk write).
 */
export function raftTransport(peers: Pick<PeerClients, 'emit'>): RaftTransport {
  return { send: (to, messages) => peers.emit(to, 'raft.messages', [...messages], { flush: true }) };
}

export const raftNodeProvider: Provider = {
  provide: RAFT_NODE,
  inject: [RAFT_MODULE_OPTIONS, PeerClients, ...Object.values(RAFT_METRICS).map((name) => getToken(name))],
  useFactory: (options: RaftModuleOptions, peers: PeerClients, ...metrics: unknown[]) => {
    const m = Object.fromEntries(Object.keys(RAFT_METRICS).map((k, i) => [k, metrics[i]])) as unknown as RaftMetricSet;
    const logger = new Logger('Raft');
    const storage = new FileRaftStorage({
      dir: options.dataDir,
      onFsync: (seconds, kind) => m.fsyncSeconds.observe({ kind }, seconds),
      logger: (level, message) => (level === 'warn' ? logger.warn(message) : logger.log(message)),
    });
    return new RaftNode({
      id: options.id,
      members: options.members,
      storage,
      stateMachine: options.stateMachine,
      transport: raftTransport(peers),
      tickMs: options.tickMs,
      electionTicks: options.electionTicks,
      proposalTimeoutMs: options.proposalTimeoutMs,
      readTimeoutMs: options.readTimeoutMs,
      snapshotEntries: options.snapshotEntries,
      observer: observerFor(m),
      logger: { log: (s) => logger.log(s), warn: (s) => logger.warn(s), error: (s) => logger.error(s) },
    });
  },
};

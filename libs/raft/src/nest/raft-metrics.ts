import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { latencyHistogramProvider } from '@dss/metrics';

export const RAFT_METRICS = {
  term: 'dss_raft_term',
  role: 'dss_raft_role',
  isLeader: 'dss_raft_is_leader',
  leaderChanges: 'dss_raft_leader_changes_total',
  elections: 'dss_raft_elections_total',
  commitIndex: 'dss_raft_commit_index',
  appliedIndex: 'dss_raft_applied_index',
  appendSeconds: 'dss_raft_append_duration_seconds',
  fsyncSeconds: 'dss_raft_fsync_duration_seconds',
  snapshots: 'dss_raft_snapshots_total',
} as const;

export const raftMetricProviders = [
  makeGaugeProvider({ name: RAFT_METRICS.term, help: 'Current Raft term of this node.' }),
  makeGaugeProvider({
    name: RAFT_METRICS.role,
    help: '1 for the role this node has now (follower, pre-candidate, candidate, leader), 0 for the others.',
    labelNames: ['state'],
  }),
  makeGaugeProvider({ name: RAFT_METRICS.isLeader, help: '1 when this node is the Raft leader.' }),
  makeCounterProvider({ name: RAFT_METRICS.leaderChanges, help: 'Times the leader known to this node changed.' }),
  makeCounterProvider({ name: RAFT_METRICS.elections, help: 'Elections this node started (became candidate).' }),
  makeGaugeProvider({ name: RAFT_METRICS.commitIndex, help: 'Highest log index known to be committed.' }),
  makeGaugeProvider({ name: RAFT_METRICS.appliedIndex, help: 'Highest log index applied to the state machine.' }),
  latencyHistogramProvider({
    name: RAFT_METRICS.appendSeconds,
    help: 'Time to make one Ready batch durable (write + fsync).',
  }),
  latencyHistogramProvider({
    name: RAFT_METRICS.fsyncSeconds,
    help: 'fdatasync latency of the Raft log, by kind (wal, segment, snapshot, dir).',
    labelNames: ['kind'],
  }),
  makeCounterProvider({ name: RAFT_METRICS.snapshots, help: 'Snapshots taken or installed.' }),
];

import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { latencyHistogramProvider, tallyCounterProvider } from '@dss/metrics';

export const CACHE_METRICS = {
  gets: 'dss_cache_gets_total',
  puts: 'dss_cache_puts_total',
  deletes: 'dss_cache_deletes_total',
  fenced: 'dss_cache_fenced_total',
  lines: 'dss_cache_lines',
  bytes: 'dss_cache_bytes',
  forwardsSent: 'dss_cache_forwards_sent_total',
  forwardsReceived: 'dss_cache_forwards_received_total',
  writeBacks: 'dss_cache_write_backs_total',
  evictions: 'dss_cache_evictions_total',
  coherenceSeconds: 'dss_cache_coherence_duration_seconds',
  directoryEntries: 'dss_cache_directory_entries',
  rebuilds: 'dss_cache_directory_rebuilds_total',
  viewChanges: 'dss_cache_view_changes_total',
  respConnections: 'dss_cache_resp_connections',
  respCommands: 'dss_cache_resp_commands_total',
} as const;

export const cacheMetricProviders = [
  // gets, puts and respCommands are counted on the hot path with tallies (@dss/metrics).
  tallyCounterProvider({
    name: CACHE_METRICS.gets,
    help: 'GETs by outcome: local (hit), peer (data from another node), memory (from Redis), not_found.',
    labelNames: ['outcome'],
  }),
  tallyCounterProvider({
    name: CACHE_METRICS.puts,
    help: 'PUTs by outcome: local (line already M or E here) or remote (ownership taken through the home).',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: CACHE_METRICS.deletes,
    help: 'DELETEs by outcome: deleted or not_found.',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: CACHE_METRICS.fenced,
    help: 'Writes refused because their fencing token was older than the key remembers, by operation (set, delete).',
    labelNames: ['op'],
  }),
  makeGaugeProvider({
    name: CACHE_METRICS.lines,
    help: "Lines in this node's cache by MESI state.",
    labelNames: ['state'],
  }),
  makeGaugeProvider({ name: CACHE_METRICS.bytes, help: "Bytes of keys and values in this node's cache." }),
  makeCounterProvider({
    name: CACHE_METRICS.forwardsSent,
    help: 'Invalidations and downgrades this node sent as a home.',
    labelNames: ['kind'],
  }),
  makeCounterProvider({
    name: CACHE_METRICS.forwardsReceived,
    help: 'Invalidations and downgrades this node received as a holder.',
    labelNames: ['kind'],
  }),
  makeCounterProvider({
    name: CACHE_METRICS.writeBacks,
    help: 'Write-backs of Modified data to Redis by reason (evict, flush, shutdown, transfer) and outcome (ok, fenced = memory had newer, failed).',
    labelNames: ['reason', 'outcome'],
  }),
  makeCounterProvider({
    name: CACHE_METRICS.evictions,
    help: 'Lines evicted by the LRU (or dropped when this node lost its majority).',
    labelNames: ['reason'],
  }),
  latencyHistogramProvider({
    name: CACHE_METRICS.coherenceSeconds,
    help: "Round trip of a coherence request to the key's home, by request kind.",
    labelNames: ['kind'],
  }),
  makeGaugeProvider({
    name: CACHE_METRICS.directoryEntries,
    help: 'Directory entries this node keeps as the home of their keys.',
  }),
  makeCounterProvider({
    name: CACHE_METRICS.rebuilds,
    help: "Directory rebuilds from the survivors' holdings after the set of live nodes changed.",
  }),
  makeCounterProvider({
    name: CACHE_METRICS.viewChanges,
    help: 'Times the set of live cache nodes changed as seen by this node.',
  }),
  makeGaugeProvider({
    name: CACHE_METRICS.respConnections,
    help: "Open connections to this node's Redis-protocol port.",
  }),
  tallyCounterProvider({ name: CACHE_METRICS.respCommands, help: 'Commands received on the Redis-protocol port.' }),
];

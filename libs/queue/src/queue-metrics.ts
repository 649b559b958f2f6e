import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { latencyHistogramProvider } from '@dss/metrics';

export const QUEUE_METRICS = {
  published: 'dss_queue_published_total',
  delivered: 'dss_queue_delivered_total',
  redelivered: 'dss_queue_redelivered_total',
  acked: 'dss_queue_acked_total',
  staleReceipts: 'dss_queue_stale_receipts_total',
  deadLettered: 'dss_queue_dead_lettered_total',
  depth: 'dss_queue_depth',
  publishSeconds: 'dss_queue_publish_duration_seconds',
  endToEndSeconds: 'dss_queue_end_to_end_seconds',
  ownershipChanges: 'dss_queue_ownership_changes_total',
  ownedTopics: 'dss_queue_owned_topics',
  activeGroups: 'dss_queue_active_groups',
  fenced: 'dss_queue_fenced_publishes_total',
  handedOff: 'dss_queue_handed_off_total',
} as const;

export const queueMetricProviders = [
  makeCounterProvider({
    name: QUEUE_METRICS.published,
    help: 'Messages published (durable), by topic.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.delivered,
    help: 'Deliveries handed to consumers, by topic (first deliveries and redeliveries).',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.redelivered,
    help: 'Deliveries of messages delivered before (deliveries > 1), by topic.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({ name: QUEUE_METRICS.acked, help: 'Messages acknowledged, by topic.', labelNames: ['topic'] }),
  makeCounterProvider({
    name: QUEUE_METRICS.staleReceipts,
    help: 'Acks, nacks and extends with a receipt no longer in flight, by topic.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.deadLettered,
    help: 'Messages moved to the dead-letter list (seen by the owner), by topic.',
    labelNames: ['topic'],
  }),
  makeGaugeProvider({
    name: QUEUE_METRICS.depth,
    help: 'Messages by state (ready, inflight, delayed, dead, waiting behind their group) for the topics this node owns.',
    labelNames: ['topic', 'state'],
  }),
  latencyHistogramProvider({
    name: QUEUE_METRICS.publishSeconds,
    help: 'Publish latency until durable, at the node that stored it.',
    labelNames: ['topic'],
  }),
  latencyHistogramProvider({
    name: QUEUE_METRICS.endToEndSeconds,
    help: 'From publish to first delivery, by topic.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.ownershipChanges,
    help: 'Times the set of live queue nodes (and so topic ownership) changed.',
  }),
  makeGaugeProvider({ name: QUEUE_METRICS.ownedTopics, help: 'Topics this node owns now.' }),
  makeGaugeProvider({
    name: QUEUE_METRICS.activeGroups,
    help: 'Message groups with a message out (ready, delayed or in flight), for the topics this node owns.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.fenced,
    help: 'Publishes refused because their fencing token was older than one that already published, by topic.',
    labelNames: ['topic'],
  }),
  makeCounterProvider({
    name: QUEUE_METRICS.handedOff,
    help: 'Deliveries a publish took for a consumer long-polling on the same node (the handoff), by topic; also in delivered.',
    labelNames: ['topic'],
  }),
];

// Names of the metrics that the foundation registers. Every DSS metric starts
// with `dss_`; docs/metrics.md lists them all.
export const METRIC_PEER_RPC_SECONDS = 'dss_peer_rpc_duration_seconds';
export const METRIC_PEER_EVENTS = 'dss_peer_events_total';
export const METRIC_PEER_REACHABLE = 'dss_peer_reachable';
export const METRIC_PEER_REJECTED = 'dss_peer_rejected_total';
export const METRIC_HTTP_AUTH_FAILURES = 'dss_http_auth_failures_total';

import { makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Provider } from '@nestjs/common';

/**
 * The buckets of every DSS duration histogram, in seconds: 0.1 ms (an fsync on
 * fast storage, a local coherence round trip) to 60 s (the longest blocking lock
 * acquire, a queue message's end-to-end delay). One set for all, so a dashboard
 * can put any two DSS latencies side by side at the same resolution, and a new
 * histogram does not invent a sixth set.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** A duration histogram (name ending in `_seconds`) with the DSS latency buckets. */
export function latencyHistogramProvider(options: {
  name: string;
  help: string;
  labelNames?: readonly string[];
}): Provider {
  // prom-client iterates labelNames when the key is present, even if undefined: leave it out then.
  const { labelNames, ...rest } = options;
  return makeHistogramProvider({
    ...rest,
    ...(labelNames ? { labelNames: [...labelNames] } : {}),
    buckets: [...LATENCY_BUCKETS_SECONDS],
  });
}

// The services whose availability a chaos run measures (one per workload) and
// the targets they are held to (docs/correctness.md, "Availability"): after a
// fault that leaves a majority able to serve, every service is back within
// 3 s (locks within 1 s) and then serves at least 99 % of its operations.

export const SERVICES = ['lock', 'counter', 'queue', 'cache'] as const;
export type Service = (typeof SERVICES)[number];

/** From a fault's start to serving again; also the start of the window that AFTER_SHARE_TARGET applies to. */
export const RECOVERY_TARGET_MS: Readonly<Record<Service, number>> = {
  lock: 1000,
  queue: 3000,
  cache: 3000,
  counter: 3000,
};

/** Share of operations served from fault start + RECOVERY_TARGET_MS until the next fault (and, from the recovery point, the share that counts as serving again). */
export const AFTER_SHARE_TARGET = 0.99;

export function isService(name: string): name is Service {
  return SERVICES.some((s) => s === name);
}

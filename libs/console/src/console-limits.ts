// The console's limits, named so docs/console.md can cite them.

/** How long the console waits for one daemon before showing it as unreachable. */
export const CONSOLE_DAEMON_TIMEOUT_MS = 2_000;
/** Longer for writes that go through Raft or Redis (a lock release, a redrive of many letters). */
export const CONSOLE_WRITE_TIMEOUT_MS = 10_000;
/** Connections the console keeps to each daemon: a few browsers' polling, not a load generator. */
export const CONSOLE_POOL_CONNECTIONS = 4;
/** A daemon answer larger than this is refused (the biggest is a page of 100 message bodies of 1 MiB... capped by the daemon). */
export const CONSOLE_MAX_ANSWER_BYTES = 128 * 1024 * 1024;
/** How much of a write's body the audit log keeps. */
export const CONSOLE_AUDIT_BODY_CHARS = 300;

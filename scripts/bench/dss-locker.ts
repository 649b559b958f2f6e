// DSS's side of the lock comparison: its HTTP API through undici Pools, each
// request to a random lock node (followers forward to the leader).
import { httpRequest } from './http.js';
import type { Locker } from './lock-load.js';

/** The locks' lease in the benchmark (they are released at once; only a crashed client needs it). */
const TTL_MS = 10_000;

export function dssLocker(urls: readonly string[]): Locker {
  const node = () => urls[Math.floor(Math.random() * urls.length)]!;
  const owner = (client: number) => `bench-${process.pid}-${client}`;
  return {
    async acquire(client, resource) {
      const res = await httpRequest(
        'POST',
        `${node()}/lock/acquire`,
        JSON.stringify({ resource, owner: owner(client), ttlMs: TTL_MS, waitMs: 0 }),
      );
      if (res.status === 200) return true;
      if (res.status === 409) return false;
      throw new Error(`acquire: HTTP ${res.status} ${res.text.slice(0, 100)}`);
    },
    async release(client, resource) {
      const res = await httpRequest(
        'POST',
        `${node()}/lock/release`,
        JSON.stringify({ resource, owner: owner(client) }),
      );
      if (res.status !== 200) throw new Error(`release: HTTP ${res.status} ${res.text.slice(0, 100)}`);
    },
  };
}

// etcd's side of the lock comparison: its own gRPC client (etcd3), in the
// pattern of Go's clientv3/concurrency, the cheapest correct etcd lock: one
// lease per client, granted once and kept alive; acquire is a put-if-absent
// transaction bound to the lease, release a delete-if-mine transaction. Each
// client is its own Etcd3 object given every member (it picks one per call;
// followers forward to the leader).
import { Etcd3, type Lease } from 'etcd3';
import type { Locker } from './lock-load.js';

const LEASE_TTL_S = 10;
const CALL_TIMEOUT_MS = 5000;

export interface EtcdLockers {
  readonly locker: Locker;
  close(): Promise<void>;
}

export async function etcdLocker(hosts: readonly string[], clients: number): Promise<EtcdLockers> {
  const sessions: { client: Etcd3; lease: Lease; id: string }[] = [];
  for (let i = 0; i < clients; i++) {
    const client = new Etcd3({
      hosts: [...hosts],
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
    });
    const lease = client.lease(LEASE_TTL_S);
    lease.on('lost', () => undefined);
    sessions.push({ client, lease, id: await lease.grant() });
  }
  const session = (i: number) => sessions[i % sessions.length]!;
  return {
    locker: {
      async acquire(i, resource) {
        const { client, id } = session(i);
        const res = await client
          .if(resource, 'Create', '==', 0)
          .then(client.put(resource).value(id).lease(id))
          .commit();
        return res.succeeded;
      },
      async release(i, resource) {
        const { client, id } = session(i);
        await client.if(resource, 'Lease', '==', id).then(client.delete().key(resource)).commit();
      },
    },
    async close() {
      await Promise.all(sessions.map((s) => s.lease.revoke().catch(() => undefined)));
      for (const s of sessions) s.client.close();
    },
  };
}

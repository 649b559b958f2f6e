import { z } from 'zod';
import type { ApiRoute } from '@dss/http';
import {
  acquireBody,
  acquireSetBody,
  listQuery,
  readParams,
  releaseBody,
  releaseSetBody,
  renewBody,
  renewSetBody,
} from './lock-dto.js';

// The lock API's contract (docs/locks.md, docs/api.md): the request schemas
// the service validates with, and the answers lock.service.ts builds.

const mode = z.enum(['exclusive', 'shared']);
const fencingToken = z
  .int()
  .min(1)
  .meta({ description: 'increases with every grant of the cluster; pass it to the protected resource' });
const expiresInMs = z.int().min(0).meta({ description: 'time left on the lease as the leader sees it' });
const holder = z.strictObject({ owner: z.string(), mode, fencingToken, expiresInMs });

/** What GET /lock/{resource} answers, and GET /lock lists. */
const resourceState = z.strictObject({
  resource: z.string(),
  permits: z.int().min(1).meta({ description: '1 for a lock (also a free one), N for a semaphore' }),
  holders: z.array(holder),
  waiters: z.array(z.strictObject({ owner: z.string(), mode })),
});

const leaderHeader = {
  'X-DSS-Leader': {
    description: 'the node that leads the lock cluster now (absent while there is none)',
    schema: z.string(),
  },
};

export const lockGrant = z.strictObject({
  acquired: z.literal(true),
  resource: z.string(),
  owner: z.string(),
  mode,
  fencingToken,
  expiresInMs,
});

const cycle = z
  .array(z.strictObject({ owner: z.string(), resource: z.string() }))
  .meta({ description: 'each owner waits for the resource, held or waited for by the next owner' });
const permitsDetail = {
  resource: z.string(),
  permits: z.int().min(1).meta({ description: "the live resource's permit count" }),
};

export const setGrant = z.strictObject({
  acquired: z.literal(true),
  owner: z.string(),
  fencingToken,
  locks: z.array(z.strictObject({ resource: z.string(), mode, fencingToken, expiresInMs })),
});

const write = {
  tag: 'lock',
  answerHeaders: leaderHeader,
} as const;

export const LOCK_ROUTES: readonly ApiRoute[] = [
  {
    ...write,
    method: 'post',
    path: '/lock/acquire',
    operationId: 'lockAcquire',
    summary: 'Take a lock (exclusive or shared), optionally waiting for it',
    description:
      'Any node accepts it and forwards it to the Raft leader. Acquiring a lock the owner holds already refreshes its lease and keeps its fencing token.',
    body: acquireBody,
    answers: { 200: lockGrant },
    errors: ['LOCKED', 'DEADLOCK', 'PERMITS_MISMATCH', 'UNAVAILABLE', 'TIMEOUT'],
    errorDetails: { LOCKED: { holders: z.array(holder) }, DEADLOCK: { cycle }, PERMITS_MISMATCH: permitsDetail },
    notes: [
      'waitMs > 0 queues the request (FIFO per resource) and answers when granted, or LOCKED when waitMs runs out.',
      'permits > 1 makes the resource a semaphore: up to that many owners hold it at once, each with its own fencing token.',
      'requestId makes a retry safe: the same requestId is applied once and gets the first answer.',
    ],
  },
  {
    ...write,
    method: 'post',
    path: '/lock/acquire-set',
    operationId: 'lockAcquireSet',
    summary: 'Take several locks (and semaphore permits) together: all in one Raft entry, or none',
    description:
      'Every member is granted by the same entry and gets the same fencing token. With waitMs > 0 the set waits in every member’s queue (FIFO) and is granted whole.',
    body: acquireSetBody,
    answers: { 200: setGrant },
    errors: ['LOCKED', 'DEADLOCK', 'PERMITS_MISMATCH', 'ALREADY_HELD', 'UNAVAILABLE', 'TIMEOUT'],
    errorDetails: {
      LOCKED: { resource: z.string(), holders: z.array(holder) },
      DEADLOCK: { cycle },
      PERMITS_MISMATCH: permitsDetail,
      ALREADY_HELD: { resource: z.string() },
    },
    notes: [
      'LOCKED names the first member that was not free; no member is taken.',
      'requestId makes a retry safe: the same requestId is applied once and gets the first answer.',
    ],
  },
  {
    ...write,
    method: 'post',
    path: '/lock/release-set',
    operationId: 'lockReleaseSet',
    summary: 'Release several locks in one Raft entry',
    body: releaseSetBody,
    answers: {
      200: z.strictObject({
        released: z.array(z.string()),
        notHeld: z.array(z.string()).meta({ description: 'listed resources this owner did not hold (lease ended?)' }),
      }),
    },
    errors: ['NOT_FOUND', 'UNAVAILABLE', 'TIMEOUT'],
    notes: ['NOT_FOUND when the owner holds none of them.'],
  },
  {
    ...write,
    method: 'post',
    path: '/lock/renew-set',
    operationId: 'lockRenewSet',
    summary: 'Extend several leases in one Raft entry, all or none',
    body: renewSetBody,
    answers: {
      200: z.strictObject({
        renewed: z.literal(true),
        locks: z.array(z.strictObject({ resource: z.string(), fencingToken, expiresInMs })),
      }),
    },
    errors: ['NOT_FOUND', 'UNAVAILABLE', 'TIMEOUT'],
    errorDetails: { NOT_FOUND: { notHeld: z.array(z.string()) } },
    notes: ['NOT_FOUND (nothing renewed) when one of them is not held; `notHeld` lists which.'],
  },
  {
    ...write,
    method: 'post',
    path: '/lock/release',
    operationId: 'lockRelease',
    summary: 'Release a lock the owner holds',
    body: releaseBody,
    answers: { 200: z.strictObject({ released: z.literal(true) }) },
    errors: ['NOT_FOUND', 'UNAVAILABLE', 'TIMEOUT'],
  },
  {
    ...write,
    method: 'post',
    path: '/lock/renew',
    operationId: 'lockRenew',
    summary: "Extend a held lock's lease (to ttlMs, or to its last TTL)",
    body: renewBody,
    answers: { 200: z.strictObject({ renewed: z.literal(true), fencingToken, expiresInMs }) },
    errors: ['NOT_FOUND', 'UNAVAILABLE', 'TIMEOUT'],
  },
  {
    method: 'get',
    path: '/lock',
    operationId: 'lockList',
    tag: 'lock',
    summary: 'The resources that have holders or waiters, by name (a linearizable read)',
    description:
      'For operators: the same entries as GET /lock/{resource}, for every live resource whose name starts with `prefix`, sorted by name (UTF-16 code units). A free resource is not listed.',
    query: listQuery,
    answerHeaders: leaderHeader,
    answers: {
      200: z.strictObject({
        resources: z.array(resourceState),
        truncated: z.boolean().meta({ description: 'more resources matched than `limit`; ask with a longer prefix' }),
      }),
    },
    errors: ['UNAVAILABLE', 'TIMEOUT'],
    notes: ['Served like GET /lock/{resource}: by the leader after a ReadIndex, forwarded there from any node.'],
  },
  {
    method: 'get',
    path: '/lock/{resource}',
    operationId: 'lockRead',
    tag: 'lock',
    summary: 'Holders and waiters of a resource (a linearizable read)',
    params: readParams,
    answerHeaders: leaderHeader,
    answers: { 200: resourceState },
    errors: ['UNAVAILABLE', 'TIMEOUT'],
  },
  {
    method: 'get',
    path: '/redis',
    operationId: 'redisTopology',
    tag: 'lock',
    summary: 'The Redis topology the lock cluster manages, with every Redis server probed now (docs/redis-failover.md)',
    answers: {
      200: z.strictObject({
        epoch: z.int().min(0),
        primary: z.string(),
        replicas: z.array(z.string()),
        replicasToAck: z.int().min(0),
        leader: z.string().nullable(),
        nodes: z.array(
          z.strictObject({
            id: z.string(),
            host: z.string(),
            port: z.int(),
            reachable: z.boolean(),
            role: z.enum(['primary', 'replica', 'unknown']),
            following: z.string().nullable(),
            linkUp: z.boolean().nullable(),
            offset: z.number().nullable(),
            error: z.string().optional(),
          }),
        ),
        lastEvent: z.strictObject({ at: z.string(), what: z.string() }).optional(),
      }),
    },
    errors: ['NOT_FOUND'],
    notes: ['NOT_FOUND when the cluster\'s redis.mode is not "raft".'],
  },
];

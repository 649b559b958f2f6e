import { z } from 'zod';
import type { ApiRoute } from './api-route.js';

// The endpoints every daemon serves whatever its role (apps/dss-node: health,
// cluster; @dss/metrics: /metrics; the contract itself). GET /cluster adds the
// role's own state (Raft, ring, lines...) beside the common fields; those
// differ per role and are for operators, so they are left open here.

const nodeId = z.string().meta({ description: 'node id from the cluster description' });
const role = z.string().meta({ description: 'the role this daemon runs: lock, queue or cache' });

const peer = z.object({
  id: z.string(),
  host: z.string(),
  httpPort: z.int(),
  peerPort: z.int(),
  reachable: z.boolean(),
  rttMs: z.number().optional(),
  error: z.string().optional(),
});

export const NODE_ROUTES: readonly ApiRoute[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'node',
    summary: 'Liveness: the process answers HTTP',
    open: true,
    answers: { 200: z.strictObject({ status: z.literal('ok'), node: nodeId, role, pid: z.int(), uptimeS: z.int() }) },
    errors: [],
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    tag: 'node',
    summary: 'Readiness: not draining, and the role can serve (has a leader, reaches Redis, confirmed a view)',
    open: true,
    answers: { 200: z.strictObject({ ready: z.literal(true), node: nodeId, role }) },
    errors: ['UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/cluster',
    operationId: 'cluster',
    tag: 'node',
    summary: "This node, its peers of the same role pinged now, and the role's own state",
    description:
      'Beside the fields listed, the role adds its own (lock: `raft`, `deadlocks`; queue: `ring`, topics; cache: `ring`, `lines`, ...): they are for operators and may change between versions.',
    answers: {
      200: z.looseObject({
        cluster: z.string(),
        role,
        node: z.strictObject({ id: nodeId, host: z.string(), httpPort: z.int(), peerPort: z.int() }),
        peers: z.array(peer),
      }),
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'node',
    summary: 'Prometheus metrics (text exposition format; docs/metrics.md)',
    open: true,
    contentType: 'text/plain',
    answers: { 200: z.string() },
    errors: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'node',
    summary: "This contract: the OpenAPI 3.1 document of the endpoints this daemon serves (its role's and these)",
    open: true,
    answers: {
      200: z.looseObject({
        openapi: z.literal('3.1.0'),
        info: z.looseObject({ title: z.string(), version: z.string() }),
        paths: z.record(z.string(), z.unknown()),
      }),
    },
    errors: [],
  },
];

import { Inject, Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { randomUUID } from 'node:crypto';
import type { Counter, Histogram } from 'prom-client';
import {
  LeadershipTransferError,
  NotLeaderError,
  ProposalDroppedError,
  ProposalUnknownError,
  RAFT_NODE,
  ReadTimeoutError,
  type RaftNode,
} from '@dss/raft';
import { PeerClients, PeerTimeoutError } from '@dss/transport';
import { parseBody } from '@dss/http';
import { backoff } from '@dss/backoff';
import {
  acquireBody,
  acquireSetBody,
  listQuery,
  readParams,
  releaseBody,
  releaseSetBody,
  renewBody,
  renewSetBody,
  type AcquireSetBody,
  type ListQuery,
} from './lock-dto.js';
import { FORWARD_MARGIN_MS, LEADER_WAIT_MS, LOCK_ROUTE_RETRY } from './lock-limits.js';
import { LOCK_METRICS } from './lock-metrics.js';
import { fail, ok, type LockOp, type LockResponse } from './lock-response.js';
import { LockStateMachine } from './lock-state-machine.js';
import { LockTimers } from './lock-timers.service.js';
import { LockWaits } from './lock-waits.service.js';
import type {
  AcquireResult,
  AcquireSetResult,
  HolderView,
  LockCommand,
  LockResult,
  ReleaseSetResult,
  RenewResult,
  RenewSetResult,
} from './state/lock-commands.js';
import type { ResourceView } from './state/lock-table.js';

declare module '@dss/transport/peer-rpc-contract.js' {
  interface PeerRpcContract {
    /** A client request handed to the node believed to lead; it answers or says it is not the leader. */
    'lock.forward': {
      request: { op: LockOp; body: unknown };
      response: LockResponse | { notLeader: true; leader: string | null };
    };
  }
}

/** Commands that change the table; each carries a requestId so a retry is applied once. */
const WRITE_SCHEMAS = {
  acquire: acquireBody,
  release: releaseBody,
  renew: renewBody,
  acquireSet: acquireSetBody,
  releaseSet: releaseSetBody,
  renewSet: renewSetBody,
} as const;

/** Ops that may wait (waitMs) and whose outcomes the acquire metrics count. */
const isAcquire = (op: LockOp): op is 'acquire' | 'acquireSet' => op === 'acquire' || op === 'acquireSet';

/** This node cannot serve the request as leader after all (lost leadership, handing over). */
class RetryElsewhere extends Error {}

/**
 * Runs lock requests. Any node accepts any request: the leader executes it
 * (propose, or ReadIndex for reads); a follower forwards it to the leader over
 * the peer transport and relays the answer. Requests carry a requestId from
 * the node that first received them, so a retry after a leader change is
 * applied once.
 */
@Injectable()
export class LockService {
  constructor(
    @Inject(RAFT_NODE) private readonly node: RaftNode,
    private readonly machine: LockStateMachine,
    private readonly timers: LockTimers,
    private readonly waits: LockWaits,
    private readonly peers: PeerClients,
    @InjectMetric(LOCK_METRICS.acquireSeconds) private readonly acquireSeconds: Histogram<'outcome'>,
    @InjectMetric(LOCK_METRICS.outcomes) private readonly outcomes: Counter<'outcome'>,
    @InjectMetric(LOCK_METRICS.setOutcomes) private readonly setOutcomes: Counter<'outcome'>,
  ) {}

  /** Entry point for a client request on any node; validates, then runs it where the leader is. */
  async handle(op: LockOp, input: unknown): Promise<LockResponse> {
    const body = this.validate(op, input);
    const waitMs = isAcquire(op) ? (body as { waitMs: number }).waitMs : 0;
    const deadline = Date.now() + waitMs + FORWARD_MARGIN_MS;
    const stop = op === 'acquire' ? this.acquireSeconds.startTimer() : undefined;
    const res = await this.route(op, body, deadline);
    if (stop) {
      const outcome = outcomeOf(res);
      stop({ outcome });
      this.outcomes.inc({ outcome });
    }
    if (op === 'acquireSet') this.setOutcomes.inc({ outcome: outcomeOf(res) });
    return res;
  }

  /** A request forwarded by a peer: serve it only if this node leads now. */
  async handleForwarded(op: LockOp, body: unknown): Promise<LockResponse | { notLeader: true; leader: string | null }> {
    if (!this.node.isLeader) return { notLeader: true, leader: this.node.leader };
    // Validated again: the peer is trusted to be a peer, not to be bug-free.
    const valid = this.validate(op, body);
    const waitMs = isAcquire(op) ? (valid as { waitMs: number }).waitMs : 0;
    try {
      return await this.execute(op, valid, Date.now() + waitMs + FORWARD_MARGIN_MS);
    } catch (err) {
      if (err instanceof RetryElsewhere) return { notLeader: true, leader: this.node.leader };
      throw err;
    }
  }

  get leader(): string | null {
    return this.node.leader;
  }

  private validate(op: LockOp, input: unknown): object {
    if (op === 'read') return parseBody(readParams, input);
    if (op === 'list') return parseBody(listQuery, input);
    const body: { requestId?: string } = parseBody<object>(WRITE_SCHEMAS[op], input);
    return { ...body, requestId: body.requestId ?? randomUUID() };
  }

  private async route(op: LockOp, body: object, deadline: number): Promise<LockResponse> {
    for (let attempt = 0; ; attempt++) {
      if (Date.now() >= deadline)
        return fail('TIMEOUT', 'the request did not complete in time; retry with the same requestId');
      if (this.node.isLeader) {
        try {
          return await this.execute(op, body, deadline);
        } catch (err) {
          if (!(err instanceof RetryElsewhere)) throw err;
          await this.pause(attempt); // leadership is moving; ask again shortly
          continue;
        }
      }
      const leader = await this.awaitLeader(deadline);
      if (leader === null)
        return fail('UNAVAILABLE', 'no lock leader: a majority of the lock nodes is not reachable; retry later');
      if (leader === this.node.id) continue;
      try {
        const res = await this.peers.call(
          leader,
          'lock.forward',
          { op, body },
          { timeoutMs: Math.max(1, deadline - Date.now()) },
        );
        if ('notLeader' in res) {
          await this.pause(attempt);
          continue;
        }
        return res;
      } catch (err) {
        if (err instanceof PeerTimeoutError)
          return fail('TIMEOUT', `leader ${leader} did not answer in time; retry with the same requestId`);
        await this.pause(attempt); // the leader is down or restarting: an election follows
      }
    }
  }

  private async awaitLeader(deadline: number): Promise<string | null> {
    const budget = Math.min(LEADER_WAIT_MS, deadline - Date.now());
    const found = await this.node.waitFor(() => this.node.leader !== null, Math.max(0, budget));
    return found ? this.node.leader : null;
  }

  private pause(attempt: number): Promise<void> {
    return backoff(LOCK_ROUTE_RETRY, attempt + 1); // attempt counts from 0
  }

  /** On the leader: propose (or ReadIndex) and turn the result into an answer. */
  private async execute(op: LockOp, body: object, deadline: number): Promise<LockResponse> {
    if (op === 'read') return this.read((body as { resource: string }).resource);
    if (op === 'list') return this.list(body as ListQuery);
    const command = { op, ...body } as LockCommand;
    const result = await this.propose(command);
    switch (command.op) {
      case 'acquire':
        return this.acquired(result as AcquireResult, command.owner, deadline);
      case 'release':
        return (result as { status: string }).status === 'released'
          ? ok({ released: true })
          : fail('NOT_FOUND', `${command.resource} by ${command.owner} is not held`);
      case 'renew': {
        const r = result as RenewResult;
        if (r.status !== 'renewed')
          return fail('NOT_FOUND', `${command.resource} by ${command.owner} is not held (the lease may have expired)`);
        return ok({
          renewed: true,
          fencingToken: r.fencingToken,
          expiresInMs: this.expiresIn(command.resource, command.owner, r.ttlMs),
        });
      }
      case 'acquireSet':
        return this.setAcquired(result as AcquireSetResult, body as AcquireSetBody, deadline);
      case 'releaseSet': {
        const r = result as ReleaseSetResult;
        if (r.released.length === 0)
          return fail('NOT_FOUND', `${command.owner} holds none of ${command.resources.join(', ')}`);
        return ok({ released: r.released, notHeld: r.notHeld });
      }
      case 'renewSet': {
        const r = result as RenewSetResult;
        if (r.status !== 'renewed')
          return fail('NOT_FOUND', `${command.owner} does not hold ${r.notHeld.join(', ')}; nothing was renewed`, {
            notHeld: r.notHeld,
          });
        return ok({
          renewed: true,
          locks: r.locks.map((l) => ({
            resource: l.resource,
            fencingToken: l.fencingToken,
            expiresInMs: this.expiresIn(l.resource, command.owner, l.ttlMs),
          })),
        });
      }
      default:
        throw new Error(`unexpected lock op ${command.op}`);
    }
  }

  private async propose(command: LockCommand): Promise<LockResult> {
    for (;;) {
      try {
        return (await this.node.propose(JSON.stringify(command))) as LockResult;
      } catch (err) {
        // Dropped: not committed, retry as is. Unknown: the requestId makes a retry safe.
        if (err instanceof ProposalDroppedError || err instanceof ProposalUnknownError) {
          if (!this.node.isLeader) throw new RetryElsewhere();
          continue;
        }
        if (err instanceof NotLeaderError || err instanceof LeadershipTransferError) throw new RetryElsewhere();
        throw err;
      }
    }
  }

  private async acquired(result: AcquireResult, owner: string, deadline: number): Promise<LockResponse> {
    switch (result.status) {
      case 'granted':
        return ok({
          acquired: true,
          resource: result.resource,
          owner: result.owner,
          mode: result.mode,
          fencingToken: result.fencingToken,
          expiresInMs: this.expiresIn(result.resource, result.owner, result.ttlMs),
        });
      case 'locked': {
        const permits = this.machine.table.view(result.resource).permits;
        const what =
          permits > 1 ? `all ${permits} permits of ${result.resource} are taken` : `${result.resource} is held`;
        return fail('LOCKED', what, { holders: this.holders(result.resource, result.holders) });
      }
      case 'deadlock':
        return deadlock(result.resource, result.cycle);
      case 'permitsMismatch':
        return permitsMismatch(result.resource, result.permits);
      case 'queued': {
        // A retried request (same requestId) gets the first answer, `queued`,
        // even if that wait has ended since: then the table already says how.
        const ended = !this.machine.table.view(result.resource).waiters.some((w) => w.waitId === result.waitId);
        const settled = ended ? this.settledWait(result.resource, owner) : null;
        if (settled) return settled;
        // An ended wait's outcome is there at once unless a request took it
        // already; then it was not granted, or granted and gone since. (Waiting
        // for it anyway answered every such retry 504 after waitMs + 5 s.)
        const outcome = await this.waits.wait(result.waitId, ended ? 0 : Math.max(1, deadline - Date.now()));
        if (outcome === null && ended) {
          return fail('LOCKED', `${result.resource} was not granted within waitMs`, {
            holders: this.holders(result.resource, this.machine.table.view(result.resource).holders),
          });
        }
        if (outcome === null) return fail('TIMEOUT', 'the wait did not end in time; retry with the same requestId');
        if (outcome.type === 'waitEnded') {
          return fail('LOCKED', `${outcome.resource} was not granted within waitMs`, {
            holders: this.holders(outcome.resource, outcome.holders),
          });
        }
        return ok({
          acquired: true,
          resource: outcome.resource,
          owner: outcome.owner,
          mode: outcome.mode,
          fencingToken: outcome.fencingToken,
          expiresInMs: this.expiresIn(outcome.resource, outcome.owner, outcome.ttlMs),
        });
      }
    }
  }

  private async setAcquired(result: AcquireSetResult, body: AcquireSetBody, deadline: number): Promise<LockResponse> {
    const { owner } = body;
    switch (result.status) {
      case 'granted':
        return this.setGranted(body, result.fencingToken);
      case 'locked':
        return fail('LOCKED', `${result.resource} is held or waited for; no member was taken`, {
          resource: result.resource,
          holders: this.holders(result.resource, result.holders),
        });
      case 'deadlock':
        return deadlock(result.resource, result.cycle);
      case 'permitsMismatch':
        return permitsMismatch(result.resource, result.permits);
      case 'alreadyInvolved':
        return fail('ALREADY_HELD', `${owner} already holds or waits for ${result.resource}; a set is taken whole`, {
          resource: result.resource,
        });
      case 'queued': {
        // As for a single acquire: a retry may find the wait over already.
        const first = body.locks[0].resource;
        const ended = !this.machine.table.view(first).waiters.some((w) => w.waitId === result.waitId);
        const outcome = await this.waits.wait(result.waitId, ended ? 0 : Math.max(1, deadline - Date.now()));
        if (outcome?.type === 'granted') return this.setGranted(body, outcome.fencingToken);
        const held = this.machine.table.view(first).holders.find((h) => h.owner === owner);
        if (ended && held) return this.setGranted(body, held.fencingToken);
        if (outcome === null && !ended)
          return fail('TIMEOUT', 'the wait did not end in time; retry with the same requestId');
        return fail('LOCKED', `the set was not granted within waitMs`, {
          resource: first,
          holders: this.holders(first, this.machine.table.view(first).holders),
        });
      }
    }
  }

  /** A set's grant: every member got `fencingToken` from the same entry. */
  private setGranted(body: AcquireSetBody, fencingToken: number): LockResponse {
    return ok({
      acquired: true,
      owner: body.owner,
      fencingToken,
      locks: body.locks.map((l) => ({
        resource: l.resource,
        mode: l.mode,
        fencingToken,
        expiresInMs: this.expiresIn(l.resource, body.owner, body.ttlMs),
      })),
    });
  }

  /** The answer for a wait that is no longer queued when `owner` holds the lock now (from the applied table), else null. */
  private settledWait(resource: string, owner: string): LockResponse | null {
    const view = this.machine.table.view(resource);
    const held = view.holders.find((h) => h.owner === owner);
    if (held) {
      return ok({
        acquired: true,
        resource,
        owner: held.owner,
        mode: held.mode,
        fencingToken: held.fencingToken,
        expiresInMs: this.expiresIn(resource, held.owner, held.ttlMs),
      });
    }
    return null;
  }

  private async read(resource: string): Promise<LockResponse> {
    const unconfirmed = await this.confirmRead();
    return unconfirmed ?? ok(this.resourceAnswer(resource, this.machine.table.view(resource)));
  }

  /** GET /lock: read like GET /lock/{resource}, so a listing never shows a lock the cluster has moved past. */
  private async list(query: ListQuery): Promise<LockResponse> {
    const unconfirmed = await this.confirmRead();
    if (unconfirmed) return unconfirmed;
    const { resources, truncated } = this.machine.table.list(query.prefix, query.limit);
    return ok({ resources: resources.map((r) => this.resourceAnswer(r.resource, r)), truncated });
  }

  /**
   * ReadIndex on the leader: once it resolves, the applied table reflects every write
   * acknowledged before the read began. Null when confirmed; else the answer to give.
   */
  private async confirmRead(): Promise<LockResponse | null> {
    try {
      await this.node.readIndex();
      return null;
    } catch (err) {
      if (err instanceof NotLeaderError) throw new RetryElsewhere();
      if (err instanceof ReadTimeoutError) return fail('UNAVAILABLE', 'the read could not be confirmed by a majority');
      throw err;
    }
  }

  private resourceAnswer(resource: string, view: ResourceView) {
    return {
      resource,
      permits: view.permits,
      holders: this.holders(resource, view.holders),
      waiters: view.waiters.map((w) => ({ owner: w.owner, mode: w.mode })),
    };
  }

  private holders(resource: string, holders: readonly HolderView[]) {
    return holders.map((h) => ({
      owner: h.owner,
      mode: h.mode,
      fencingToken: h.fencingToken,
      expiresInMs: this.expiresIn(resource, h.owner, h.ttlMs),
    }));
  }

  private expiresIn(resource: string, owner: string, ttlMs: number): number {
    return this.timers.expiresInMs(resource, owner) ?? ttlMs;
  }
}

function deadlock(resource: string, cycle: readonly { owner: string; resource: string }[]): LockResponse {
  return fail('DEADLOCK', `waiting for ${resource} would close a cycle in the wait-for graph`, { cycle });
}

function permitsMismatch(resource: string, permits: number): LockResponse {
  const what = permits === 1 ? 'a lock' : `a semaphore of ${permits} permits`;
  return fail('PERMITS_MISMATCH', `${resource} is ${what} now; ask with permits ${permits}`, { resource, permits });
}

function outcomeOf(res: LockResponse): string {
  if (res.status === 200) return 'granted';
  const code = (res.body.error as { code?: string } | undefined)?.code;
  switch (code) {
    case 'LOCKED':
      return 'locked';
    case 'DEADLOCK':
      return 'deadlock';
    case 'PERMITS_MISMATCH':
      return 'permits_mismatch';
    case 'ALREADY_HELD':
      return 'already_held';
    case 'TIMEOUT':
      return 'timeout';
    case 'UNAVAILABLE':
      return 'unavailable';
    default:
      return 'invalid';
  }
}

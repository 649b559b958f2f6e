import type { Command, Option } from 'commander';
import type { SetMemberRequest } from '../client-port.js';
import type { ActionFactory } from '../context.js';
import { UsageError } from '../errors.js';
import { formatMs, renderTable } from '../output.js';
import { parseCount, parseDuration } from '../parse.js';

// `dssctl lock acquire-set|release-set|renew-set`: POST /lock/acquire-set,
// /release-set and /renew-set. A set is taken in one Raft entry, all or none.

const ms = (flag: string) => (v: string) => parseDuration(v, flag);

/**
 * `orders` (exclusive), `orders=shared`, `pool=3` (one permit of a semaphore of 3). Only a
 * suffix after the last `=` that is a mode or a number is read as one, so names such as
 * `acct:1` or `a=b` stay whole.
 */
export function parseMember(raw: string): SetMemberRequest {
  const at = raw.lastIndexOf('=');
  const suffix = at > 0 ? raw.slice(at + 1) : '';
  const resource = at > 0 ? raw.slice(0, at) : raw;
  if (suffix === 'shared' || suffix === 'exclusive') return { resource, mode: suffix };
  if (/^\d+$/.test(suffix))
    return { resource, mode: 'exclusive', permits: parseCount(suffix, `permits of ${resource}`) };
  if (raw === '') throw new UsageError('a resource name must not be empty');
  return { resource: raw, mode: 'exclusive' };
}

export function registerLockSets(lock: Command, action: ActionFactory, owner: () => Option): void {
  lock
    .command('acquire-set')
    .description('acquire several locks together, all or none (exit 4: LOCKED, DEADLOCK, ALREADY_HELD)')
    .argument('<resources...>', 'name (exclusive), name=shared, or name=N (a permit of a semaphore of N)')
    .addOption(owner())
    .option('--ttl <duration>', 'lease length of every member, e.g. 30s (server default 30s)', ms('--ttl'))
    .option('--wait <duration>', 'wait up to this long for the whole set (0: try once)', ms('--wait'), 0)
    .addHelpText(
      'after',
      '\nExamples:\n  dssctl lock acquire-set acct:1 acct:2 --wait 5s\n  dssctl lock acquire-set report=shared db-pool=5 --json | jq .fencingToken',
    )
    .action(
      action(async (ctx) => {
        const [names] = ctx.args as [string[]];
        const o = ctx.opts as { owner: string; ttl?: number; wait: number };
        const grant = await ctx.client().lock.acquireSet(
          {
            owner: o.owner,
            locks: names.map(parseMember),
            waitMs: o.wait,
            ...(o.ttl !== undefined ? { ttlMs: o.ttl } : {}),
          },
          { signal: ctx.signal },
        );
        const text =
          `acquired ${grant.locks.length} locks (owner ${grant.owner}, fencing token ${grant.fencingToken})\n` +
          renderTable(
            ['resource', 'mode', 'expires in'],
            grant.locks.map((l) => [l.resource, l.mode, formatMs(l.expiresInMs)]),
            { align: { 'expires in': 'right' } },
          );
        return { json: grant, text };
      }),
    );

  lock
    .command('release-set')
    .description('release several locks in one entry (exit 3 when this owner holds none of them)')
    .argument('<resources...>', 'the resources to release')
    .addOption(owner())
    .addHelpText('after', '\nExample:\n  dssctl lock release-set acct:1 acct:2')
    .action(
      action(async (ctx) => {
        const [resources] = ctx.args as [string[]];
        const { owner: who } = ctx.opts as { owner: string };
        const res = await ctx.client().lock.releaseSet({ owner: who, resources }, { signal: ctx.signal });
        const missing = res.notHeld.length > 0 ? `; not held: ${res.notHeld.join(', ')}` : '';
        return { json: { owner: who, ...res }, text: `released ${res.released.join(', ')} (owner ${who})${missing}\n` };
      }),
    );

  lock
    .command('renew-set')
    .description('extend several leases in one entry, all or none (exit 3 when one is not held)')
    .argument('<resources...>', 'the resources whose leases to renew')
    .addOption(owner())
    .option('--ttl <duration>', 'new lease length from now (default: each lease keeps its length)', ms('--ttl'))
    .addHelpText('after', '\nExample:\n  dssctl lock renew-set acct:1 acct:2 --ttl 60s')
    .action(
      action(async (ctx) => {
        const [resources] = ctx.args as [string[]];
        const o = ctx.opts as { owner: string; ttl?: number };
        const res = await ctx
          .client()
          .lock.renewSet(
            { owner: o.owner, resources, ...(o.ttl !== undefined ? { ttlMs: o.ttl } : {}) },
            { signal: ctx.signal },
          );
        const text =
          `renewed ${res.locks.length} leases (owner ${o.owner})\n` +
          renderTable(
            ['resource', 'token', 'expires in'],
            res.locks.map((l) => [l.resource, l.fencingToken, formatMs(l.expiresInMs)]),
            { align: { 'expires in': 'right' } },
          );
        return { json: { owner: o.owner, ...res }, text };
      }),
    );
}

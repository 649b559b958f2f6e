import { Option, type Command } from 'commander';
import type { ActionFactory, CliDeps } from '../context.js';
import { formatMs, renderFields, renderTable } from '../output.js';
import { parseCount, parseDuration } from '../parse.js';
import { registerLockSets } from './lock-sets.js';

// `dssctl lock acquire|release|renew|show|list`: POST /lock/acquire, /release,
// /renew, GET /lock/{resource} and GET /lock; the set commands are in lock-sets.ts. The default owner is user@host, so an
// acquire and the release that follows from the same account match.

/** The server's bound on GET /lock's limit (LOCK_LIMITS.listLimitMax), checked here so a typo is exit 2 without a request. */
const LIST_LIMIT_MAX = 1000;

const ms = (flag: string) => (v: string) => parseDuration(v, flag);

export function registerLock(program: Command, action: ActionFactory, deps: CliDeps): void {
  const lock = program.command('lock').description('Raft-replicated locks with leases and fencing tokens');
  const owner = () => new Option('--owner <name>', 'lock owner').default(deps.defaultOwner);

  lock
    .command('acquire')
    .description('acquire a lock (exit 4 when another owner holds it: LOCKED, or DEADLOCK)')
    .argument('<resource>', 'the resource to lock')
    .addOption(owner())
    .addOption(
      new Option('--mode <mode>', 'exclusive, or shared with other shared holders')
        .choices(['exclusive', 'shared'])
        .default('exclusive'),
    )
    .option('--ttl <duration>', 'lease length, e.g. 30s (server default 30s)', ms('--ttl'))
    .option('--wait <duration>', 'wait up to this long for the lock (0: try once)', ms('--wait'), 0)
    .option('--permits <n>', 'a semaphore: up to n owners hold it at once (exclusive mode)', (v) =>
      parseCount(v, '--permits'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dssctl lock acquire orders --ttl 60s\n  dssctl lock acquire orders --owner worker-2 --wait 10s\n  dssctl lock acquire report --mode shared --json | jq .fencingToken\n  dssctl lock acquire db-pool --permits 5 --wait 30s',
    )
    .action(
      action(async (ctx) => {
        const [resource] = ctx.args as [string];
        const o = ctx.opts as {
          owner: string;
          mode: 'exclusive' | 'shared';
          ttl?: number;
          wait: number;
          permits?: number;
        };
        const grant = await ctx.client().lock.acquire(
          {
            resource,
            owner: o.owner,
            mode: o.mode,
            waitMs: o.wait,
            ...(o.ttl !== undefined ? { ttlMs: o.ttl } : {}),
            ...(o.permits !== undefined ? { permits: o.permits } : {}),
          },
          { signal: ctx.signal },
        );
        return {
          json: grant,
          text: renderFields([
            ['resource', grant.resource],
            ['owner', grant.owner],
            ['mode', grant.mode],
            ['fencing token', grant.fencingToken],
            ['expires in', formatMs(grant.expiresInMs)],
          ]),
        };
      }),
    );

  lock
    .command('release')
    .description('release a lock (exit 3 when this owner does not hold it)')
    .argument('<resource>', 'the resource to release')
    .addOption(owner())
    .addHelpText('after', '\nExample:\n  dssctl lock release orders --owner worker-1')
    .action(
      action(async (ctx) => {
        const [resource] = ctx.args as [string];
        const { owner: who } = ctx.opts as { owner: string };
        const res = await ctx.client().lock.release({ resource, owner: who }, { signal: ctx.signal });
        return { json: { resource, owner: who, ...res }, text: `released ${resource} (owner ${who})\n` };
      }),
    );

  lock
    .command('renew')
    .description("extend a held lock's lease (exit 3 when it already expired)")
    .argument('<resource>', 'the resource whose lease to renew')
    .addOption(owner())
    .option(
      '--ttl <duration>',
      'new lease length from now (default: the lease length it was granted with)',
      ms('--ttl'),
    )
    .addHelpText('after', '\nExample:\n  dssctl lock renew orders --owner worker-1 --ttl 60s')
    .action(
      action(async (ctx) => {
        const [resource] = ctx.args as [string];
        const o = ctx.opts as { owner: string; ttl?: number };
        const res = await ctx
          .client()
          .lock.renew(
            { resource, owner: o.owner, ...(o.ttl !== undefined ? { ttlMs: o.ttl } : {}) },
            { signal: ctx.signal },
          );
        return {
          json: { resource, owner: o.owner, ...res },
          text: `renewed ${resource} (owner ${o.owner}); expires in ${formatMs(res.expiresInMs)}\n`,
        };
      }),
    );

  lock
    .command('show')
    .description('holders and waiters of a lock (a linearizable read)')
    .argument('<resource>', 'the resource')
    .addHelpText('after', '\nExample:\n  dssctl lock show orders')
    .action(
      action(async (ctx) => {
        const [resource] = ctx.args as [string];
        const state = await ctx.client().lock.show(resource, { signal: ctx.signal });
        const kind = (state.permits ?? 1) > 1 ? ` (semaphore, ${state.permits} permits)` : '';
        let text =
          state.holders.length === 0
            ? `${resource}: free\n`
            : `${resource}: held${kind}\n` +
              renderTable(
                ['owner', 'mode', 'token', 'expires in'],
                state.holders.map((h) => [h.owner, h.mode, h.fencingToken, formatMs(h.expiresInMs)]),
                { align: { 'expires in': 'right' } },
              );
        if (state.waiters.length > 0)
          text +=
            `waiters (in order):\n` +
            renderTable(
              ['owner', 'mode'],
              state.waiters.map((w) => [w.owner, w.mode]),
            );
        return { json: state, text };
      }),
    );

  lock
    .command('list')
    .description('the locks and semaphores that have holders or waiters, by name (a linearizable read)')
    .option('--prefix <prefix>', 'only resources whose names start with it')
    .option('--limit <n>', 'at most n resources (1 to 1000; server default 100)', (v) =>
      parseCount(v, '--limit', 1, LIST_LIMIT_MAX),
    )
    .addHelpText('after', '\nExamples:\n  dssctl lock list\n  dssctl lock list --prefix orders/ --json | jq .resources')
    .action(
      action(async (ctx) => {
        const o = ctx.opts as { prefix?: string; limit?: number };
        const list = await ctx.client().lock.list(
          {
            ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
            ...(o.limit !== undefined ? { limit: o.limit } : {}),
          },
          { signal: ctx.signal },
        );
        if (list.resources.length === 0) return { json: list, text: 'no lock is held or waited for\n' };
        let text = renderTable(
          ['resource', 'kind', 'holders', 'waiters'],
          list.resources.map((r) => [
            r.resource,
            (r.permits ?? 1) > 1 ? `semaphore ${r.permits}` : 'lock',
            r.holders.map((h) => (h.mode === 'shared' ? `${h.owner} (shared)` : h.owner)).join(', ') || '-',
            r.waiters.length,
          ]),
          { align: { waiters: 'right' } },
        );
        if (list.truncated) text += `(more match; narrow --prefix or raise --limit)\n`;
        return { json: list, text };
      }),
    );

  registerLockSets(lock, action, owner);
}

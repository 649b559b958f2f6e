import type { Command } from 'commander';
import type { ActionFactory } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';
import { compactJson, plural, renderFields, renderTable } from '../output.js';
import { parseBaseUrl, parseCount, parseJsonValue } from '../parse.js';

// `dssctl cache get|put|del|coherence|flush`. Values are JSON (--raw: text).

/** --fence: a lock's fencing token (docs/cache.md, "Fenced writes"); a positive integer JavaScript holds exactly. */
const FENCE_HELP = 'fencing token of the lock you hold: refused (exit 4, FENCED) if a higher token wrote the key';
const parseFence = (v: string): number => parseCount(v, '--fence');

export function registerCache(program: Command, action: ActionFactory): void {
  const cache = program.command('cache').description('the coherent (MESI) distributed cache');

  cache
    .command('get')
    .description('read a key (exit 3 when it is not in the cache)')
    .argument('<key>', 'the key (1-512 bytes)')
    .addHelpText('after', '\nExamples:\n  dssctl cache get greeting\n  dssctl cache get greeting --json | jq .value')
    .action(
      action(async (ctx) => {
        const [key] = ctx.args as [string];
        const entry = await ctx.client().cache.get(key, { signal: ctx.signal });
        if (entry === undefined) throw new NotFoundError(`key "${key}" is not in the cache`, { key });
        return {
          json: entry,
          text: renderFields([
            ['key', entry.key],
            ['value', compactJson(entry.value, 10_000)],
            ['state', entry.state],
            ...(entry.fence ? [['fence', String(entry.fence.token)] as [string, string]] : []),
          ]),
        };
      }),
    );

  cache
    .command('put')
    .description('write a key (this node then holds the line Modified)')
    .argument('<key>', 'the key (1-512 bytes)')
    .argument('[value]', 'a JSON value; none: read it from stdin')
    .option('--raw', 'store the value (argument or stdin) as a string, not JSON')
    .option('--fence <token>', FENCE_HELP, parseFence)
    .addHelpText(
      'after',
      `\nExamples:\n  dssctl cache put greeting '"hello"'\n  dssctl cache put config '{"retries":3}'\n  dssctl cache put motd --raw 'maintenance at 18:00'\n  cat value.json | dssctl cache put config\n  dssctl cache put report '{"rows":12}' --fence 42`,
    )
    .action(
      action(async (ctx) => {
        const [key, arg] = ctx.args as [string, string | undefined];
        const { raw, fence } = ctx.opts as { raw?: boolean; fence?: number };
        let text = arg;
        if (text === undefined) {
          if (ctx.deps.io.stdinIsTTY)
            throw new UsageError('no value: give a JSON value as the second argument, or pipe it on stdin');
          text = (await ctx.deps.io.readStdin()).replace(/\r?\n$/, '');
        }
        const value = raw === true ? text : parseJsonValue(text, 'value');
        const res = await ctx.client().cache.put(key, value, { signal: ctx.signal, ...(fence ? { fence } : {}) });
        return { json: res, text: `stored ${res.key} (state ${res.state})\n` };
      }),
    );

  cache
    .command('del')
    .description('delete a key everywhere (exit 3 when it was not there)')
    .argument('<key>', 'the key')
    .option('--fence <token>', FENCE_HELP, parseFence)
    .addHelpText('after', '\nExamples:\n  dssctl cache del greeting\n  dssctl cache del report --fence 42')
    .action(
      action(async (ctx) => {
        const [key] = ctx.args as [string];
        const { fence } = ctx.opts as { fence?: number };
        const deleted = await ctx.client().cache.del(key, { signal: ctx.signal, ...(fence ? { fence } : {}) });
        if (!deleted) throw new NotFoundError(`key "${key}" is not in the cache`, { key });
        return { json: { key, deleted: true }, text: `deleted ${key}\n` };
      }),
    );

  cache
    .command('coherence')
    .description("each node's MESI state of a key's line, and the key's home node")
    .argument('<key>', 'the key')
    .addHelpText('after', '\nExample:\n  dssctl cache coherence greeting')
    .action(
      action(async (ctx) => {
        const [key] = ctx.args as [string];
        const c = await ctx.client().cache.coherence(key, { signal: ctx.signal });
        const rows = Object.entries(c.states).map(([node, state]) => [
          node === c.home ? `${node} (home)` : node,
          state,
        ]);
        return {
          json: c,
          text: `key ${c.key}, home node ${c.home} (its directory)\n` + renderTable(['node', 'state'], rows),
        };
      }),
    );

  cache
    .command('flush')
    .description('write Modified lines back to Redis now, on one node or on all')
    .option('--node <url>', 'only this cache daemon (http://host:port)', (v: string) => parseBaseUrl(v, '--node'))
    .addHelpText('after', '\nExamples:\n  dssctl cache flush\n  dssctl cache flush --node http://192.168.56.13:8021')
    .action(
      action(async (ctx) => {
        const { node } = ctx.opts as { node?: string };
        const nodes = await ctx.client().cache.flush(node, { signal: ctx.signal });
        const flushed = nodes.reduce((n, x) => n + x.flushed, 0);
        return {
          json: { flushed, nodes },
          text:
            renderTable(
              ['url', 'flushed'],
              nodes.map((n) => [n.url, n.flushed]),
            ) + `${plural(flushed, 'line')} written back\n`,
        };
      }),
    );
}

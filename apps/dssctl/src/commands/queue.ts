import type { Command } from 'commander';
import type { AckResult, BrowseState, Delivery } from '../client-port.js';
import type { ActionFactory, CommandContext, CommandResult } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { compactJson, formatTime, plural, renderFields, renderTable } from '../output.js';
import { parseCount, parseDuration, parseJsonValue } from '../parse.js';

// `dssctl queue ...`: publish, consume, ack, nack, topics, stats, browse, dead,
// redrive, purge.
// Messages are JSON values: given as arguments, or one per line from --file
// or stdin; --raw sends each as a string instead.

/** The API takes up to this many messages in one publish. */
export const PUBLISH_BATCH = 1000;
/** Publish output lists ids up to this many; --json always lists all. */
const IDS_SHOWN = 20;

const ms = (flag: string) => (v: string) => parseDuration(v, flag);

/** The API lists at most this many topics at once, this many messages when browsing, and redrives this many ids. */
const TOPICS_MAX = 1000;
const BROWSE_MAX = 100;
const REDRIVE_IDS_MAX = 100;
const BROWSE_STATES: readonly BrowseState[] = ['ready', 'delayed', 'inflight'];

function browseState(v: string): BrowseState {
  const state = BROWSE_STATES.find((s) => s === v);
  if (!state) throw new UsageError(`--state: "${v}" must be one of ${BROWSE_STATES.join(', ')}`);
  return state;
}

/** `--ack-first r1,r2`: 1 to PUBLISH_BATCH receipts. */
function receiptList(v: string): string[] {
  const receipts = v.split(',').map((r) => r.trim());
  if (receipts.some((r) => r === '') || receipts.length > PUBLISH_BATCH)
    throw new UsageError(`--ack-first takes 1 to ${PUBLISH_BATCH} comma-separated receipts`);
  return receipts;
}

/** Messages from lines of text: one per non-blank line. */
export function messagesFromLines(text: string, raw: boolean, source: string): unknown[] {
  const out: unknown[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    out.push(raw ? line : parseJsonValue(line, `${source} line ${i + 1}`));
  });
  return out;
}

async function publishInput(ctx: CommandContext): Promise<unknown[]> {
  const [, args] = ctx.args as [string, string[]];
  const o = ctx.opts as { file?: string; raw?: boolean };
  const raw = o.raw === true;
  if (args.length > 0 && o.file !== undefined)
    throw new UsageError('give messages as arguments or with --file, not both');
  if (args.length > 0) return args.map((a, i) => (raw ? a : parseJsonValue(a, `message ${i + 1}`)));
  if (o.file !== undefined && o.file !== '-') {
    let text: string;
    try {
      text = ctx.deps.files.read(o.file);
    } catch (err) {
      throw new UsageError(`--file: cannot read ${o.file}: ${(err as Error).message}`);
    }
    return messagesFromLines(text, raw, o.file);
  }
  if (o.file === undefined && ctx.deps.io.stdinIsTTY)
    throw new UsageError('no message: give JSON messages as arguments, with --file <path>, or one per line on stdin');
  return messagesFromLines(await ctx.deps.io.readStdin(), raw, 'stdin');
}

interface Row {
  id: string;
  receipt?: string;
  deliveries: number;
  publishedAt: number;
  body: unknown;
  group?: string;
  priority?: number;
  /** Browsing: a delayed message's due time, an in-flight one's visibility deadline. */
  deliverAt?: number;
  visibleAt?: number;
}

/** One line per message; group, priority and due columns only when some message has one. */
function deliveriesTable(messages: readonly Row[], withReceipt: boolean): string {
  const groups = messages.some((m) => m.group !== undefined);
  const priorities = messages.some((m) => m.priority !== undefined);
  const due = messages.some((m) => m.deliverAt !== undefined)
    ? 'deliver at'
    : messages.some((m) => m.visibleAt !== undefined)
      ? 'visible at'
      : undefined;
  const headers = [
    'id',
    'deliveries',
    'published',
    ...(due ? [due] : []),
    ...(groups ? ['group'] : []),
    ...(priorities ? ['priority'] : []),
    ...(withReceipt ? ['receipt'] : []),
    'body',
  ];
  return renderTable(
    headers,
    messages.map((m) => {
      const at = m.deliverAt ?? m.visibleAt;
      return [
        m.id,
        m.deliveries,
        formatTime(m.publishedAt),
        ...(due ? [at === undefined ? '-' : formatTime(at)] : []),
        ...(groups ? [m.group ?? '-'] : []),
        ...(priorities ? [m.priority ?? '-'] : []),
        ...(withReceipt ? [m.receipt] : []),
        compactJson(m.body),
      ];
    }),
    { align: { deliveries: 'right', priority: 'right' } },
  );
}

function ackOutcome(topic: string, result: AckResult, asked: number): CommandResult {
  const json = { topic, ...result };
  const text =
    `acked ${result.acked} of ${asked}` + (result.stale.length > 0 ? `; stale: ${result.stale.join(' ')}` : '') + '\n';
  if (result.stale.length === 0) return { json, text };
  return {
    json,
    text,
    exitCode: EXIT.CONFLICT,
    problem: {
      code: 'STALE_RECEIPT',
      message: `${plural(result.stale.length, 'receipt')} of ${asked} no longer valid (visibility ran out, or acked already)`,
    },
  };
}

export function registerQueue(program: Command, action: ActionFactory): void {
  const queue = program
    .command('queue')
    .description('the durable at-least-once queue: topics, deliveries, dead letters');

  queue
    .command('publish')
    .description('publish messages (JSON values) to a topic')
    .argument('<topic>', 'topic name ([A-Za-z0-9._-], up to 128)')
    .argument('[message...]', 'messages, each a JSON value; none: read --file or stdin, one per line')
    .option('--file <path>', "read messages from a file, one per line ('-' for stdin)")
    .option('--raw', 'send each message (argument or line) as a string, not JSON')
    .option('--delay <duration>', 'deliver no sooner than this, e.g. 30s', ms('--delay'))
    .option('--dedup-id <id>', 'publish only once per id (within the dedup window); at most 1000 messages')
    .option('--group <name>', 'message group: delivered in publish order, one at a time (not with --delay)')
    .option('--priority <0-9>', 'higher is delivered first (server default 4)', (v: string) =>
      parseCount(v, '--priority', 0, 9),
    )
    .option(
      '--fence-token <n>',
      "a lock's fencing token: refused (exit 4, FENCED) once a newer token published to the topic",
      (v: string) => parseCount(v, '--fence-token', 1),
    )
    .addHelpText(
      'after',
      `
Examples:
  dssctl queue publish orders '{"order":42}' '{"order":43}'
  dssctl queue publish orders --raw 'plain text'
  dssctl queue publish orders --file orders.ndjson
  jq -c '.[]' batch.json | dssctl queue publish orders
  dssctl queue publish orders --delay 1m --dedup-id order-42 '{"order":42}'
  dssctl queue publish orders --group customer-17 --priority 9 '{"order":44}'
  dssctl queue publish orders --fence-token "$token" '{"order":45}'
  dssctl queue publish nums -- -1        # '--' before values that start with '-'`,
    )
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const o = ctx.opts as {
          delay?: number;
          dedupId?: string;
          group?: string;
          priority?: number;
          fenceToken?: number;
        };
        if (o.group !== undefined && o.delay !== undefined)
          throw new UsageError('--delay cannot be combined with --group (a group delivers in publish order)');
        const messages = await publishInput(ctx);
        if (messages.length === 0) throw new UsageError('no message to publish (the input was empty)');
        if (o.dedupId !== undefined && messages.length > PUBLISH_BATCH)
          throw new UsageError(
            `--dedup-id covers one publish of at most ${PUBLISH_BATCH} messages; got ${messages.length}`,
          );
        const ids: string[] = [];
        let duplicate = false;
        for (let i = 0; i < messages.length; i += PUBLISH_BATCH) {
          const batch = messages.slice(i, i + PUBLISH_BATCH);
          const res = await ctx.client().queue.publish(
            {
              topic,
              ...(batch.length === 1 ? { message: batch[0] } : { messages: batch }),
              ...(o.delay !== undefined ? { delayMs: o.delay } : {}),
              ...(o.dedupId !== undefined ? { dedupId: o.dedupId } : {}),
              ...(o.group !== undefined ? { group: o.group } : {}),
              ...(o.priority !== undefined ? { priority: o.priority } : {}),
              ...(o.fenceToken !== undefined ? { fence: { token: o.fenceToken } } : {}),
            },
            { signal: ctx.signal },
          );
          ids.push(...res.ids);
          if ((res as { duplicate?: unknown }).duplicate === true) duplicate = true;
        }
        const head = `published ${plural(ids.length, 'message')} to ${topic}${duplicate ? ' (duplicate: already published with this dedup id)' : ''}`;
        const text =
          ids.length <= IDS_SHOWN
            ? `${head}\n${ids.map((id) => `  ${id}\n`).join('')}`
            : `${head} (--json lists the ids)\n`;
        return { json: { topic, ids, ...(duplicate ? { duplicate } : {}) }, text };
      }),
    );

  queue
    .command('consume')
    .description('receive messages; each stays invisible for --visibility, then is redelivered unless acked')
    .argument('<topic>', 'topic name')
    .option('--max <n>', 'at most this many messages (1-1000)', (v: string) => parseCount(v, '--max', 1), 1)
    .option('--visibility <duration>', 'how long they stay invisible (server default 30s)', ms('--visibility'))
    .option('--wait <duration>', 'long-poll up to this long when none is ready (at most 20s)', ms('--wait'), 0)
    .option('--ack', 'ack what was received right away (drain a topic)')
    .option(
      '--ack-first <receipts>',
      'comma-separated receipts of earlier deliveries to ack in the same request, before taking new ones',
      receiptList,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dssctl queue consume orders --max 10 --visibility 2m\n  dssctl queue consume orders --wait 5s --ack --json\n  dssctl queue consume orders --ack-first "$r1,$r2" --max 2',
    )
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const o = ctx.opts as { max: number; visibility?: number; wait: number; ack?: boolean; ackFirst?: string[] };
        const client = ctx.client();
        const req = {
          topic,
          max: o.max,
          waitMs: o.wait,
          ...(o.visibility !== undefined ? { visibilityMs: o.visibility } : {}),
        };
        let ackedFirst: AckResult | undefined;
        let messages: Delivery[];
        if (o.ackFirst) {
          const answer = await client.queue.ackAndConsume({ ...req, ack: o.ackFirst }, { signal: ctx.signal });
          ackedFirst = { acked: answer.acked, stale: answer.stale };
          messages = answer.messages;
        } else {
          messages = await client.queue.consume(req, { signal: ctx.signal });
        }
        let acked: AckResult | undefined;
        if (o.ack && messages.length > 0)
          acked = await client.queue.ack({ topic, receipts: messages.map((m) => m.receipt) }, { signal: ctx.signal });
        const ackLine = (what: string, r: AckResult, of: number) =>
          `${what} ${r.acked} of ${of}${r.stale.length > 0 ? `; stale: ${r.stale.join(' ')}` : ''}\n`;
        const text =
          (ackedFirst ? ackLine('acked first', ackedFirst, o.ackFirst!.length) : '') +
          (messages.length === 0 ? `no messages ready in ${topic}\n` : deliveriesTable(messages, !o.ack)) +
          (acked ? ackLine('acked', acked, messages.length) : '');
        const json = { topic, messages, ...(ackedFirst ? { ackedFirst } : {}), ...(acked ? { acked } : {}) };
        const stale = (ackedFirst?.stale.length ?? 0) + (acked?.stale.length ?? 0);
        if (stale > 0)
          return {
            json,
            text,
            exitCode: EXIT.CONFLICT,
            problem: { code: 'STALE_RECEIPT', message: `${plural(stale, 'receipt')} went stale before the ack` },
          };
        return { json, text };
      }),
    );

  queue
    .command('ack')
    .description('acknowledge deliveries by receipt: they are done (exit 4 if a receipt is stale)')
    .argument('<topic>', 'topic name')
    .argument('<receipt...>', 'receipts from consume')
    .addHelpText('after', '\nExample:\n  dssctl queue ack orders "$receipt"')
    .action(
      action(async (ctx) => {
        const [topic, receipts] = ctx.args as [string, string[]];
        const q = ctx.client().queue;
        const result =
          receipts.length === 1
            ? await q.ack({ topic, receipt: receipts[0]! }, { signal: ctx.signal })
            : await q.ack({ topic, receipts }, { signal: ctx.signal });
        return ackOutcome(topic, result, receipts.length);
      }),
    );

  queue
    .command('nack')
    .description('give a delivery back: redelivered now or after --delay (dead-lettered past the delivery limit)')
    .argument('<topic>', 'topic name')
    .argument('<receipt>', 'receipt from consume')
    .option('--delay <duration>', 'redeliver no sooner than this', ms('--delay'))
    .addHelpText('after', '\nExample:\n  dssctl queue nack orders "$receipt" --delay 10s')
    .action(
      action(async (ctx) => {
        const [topic, receipt] = ctx.args as [string, string];
        const o = ctx.opts as { delay?: number };
        const res = await ctx
          .client()
          .queue.nack(
            { topic, receipt, ...(o.delay !== undefined ? { delayMs: o.delay } : {}) },
            { signal: ctx.signal },
          );
        const outcome = (res as { outcome?: unknown } | null)?.outcome;
        const text =
          typeof outcome === 'string'
            ? `nacked; the message is now ${outcome === 'dead' ? 'in the dead-letter list' : outcome}\n`
            : 'nacked\n';
        return { json: { topic, receipt, ...(typeof res === 'object' && res !== null ? res : { result: res }) }, text };
      }),
    );

  queue
    .command('stats')
    .description(
      'message counts of a topic (ready, inflight, delayed, dead, waiting in groups), its owner node and fence',
    )
    .argument('<topic>', 'topic name')
    .addHelpText('after', '\nExample:\n  dssctl queue stats orders')
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const s = await ctx.client().queue.stats(topic, { signal: ctx.signal });
        const fields: [string, string | number][] = [
          ['topic', s.topic],
          ['owner', s.owner],
          ['ready', s.ready],
          ['inflight', s.inflight],
          ['delayed', s.delayed],
          ['dead', s.dead],
        ];
        // Absent from servers before message groups and fenced publish; fence also until a fenced publish.
        if (s.waiting !== undefined) fields.push(['waiting', s.waiting]);
        if (s.groups !== undefined) fields.push(['groups', s.groups]);
        if (s.fence !== undefined) fields.push(['fence', s.fence]);
        return { json: s, text: renderFields(fields) };
      }),
    );

  queue
    .command('dead')
    .description("a topic's dead letters (the first 100)")
    .argument('<topic>', 'topic name')
    .addHelpText('after', '\nExample:\n  dssctl queue dead orders --json | jq ".messages[].body"')
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const body = await ctx.client().queue.dead(topic, { signal: ctx.signal });
        const list = (body as { messages?: unknown } | null)?.messages;
        const messages = Array.isArray(list) ? (list as Row[]) : [];
        return {
          json: body,
          text: messages.length === 0 ? `no dead letters in ${topic}\n` : deliveriesTable(messages, false),
        };
      }),
    );

  queue
    .command('topics')
    .description('the topics the cluster knows, by name, with their counts')
    .option('--prefix <text>', 'only topics whose name starts with this')
    .option(`--limit <n>`, `at most this many (1-${TOPICS_MAX}, server default 100)`, (v: string) =>
      parseCount(v, '--limit', 1, TOPICS_MAX),
    )
    .addHelpText('after', '\nExample:\n  dssctl queue topics --prefix orders.')
    .action(
      action(async (ctx) => {
        const o = ctx.opts as { prefix?: string; limit?: number };
        const list = await ctx.client().queue.topics({ prefix: o.prefix, limit: o.limit }, { signal: ctx.signal });
        if (list.topics.length === 0) return { json: list, text: 'no topics\n' };
        const table = renderTable(
          ['topic', 'owner', 'ready', 'inflight', 'delayed', 'dead', 'waiting', 'groups'],
          list.topics.map((t) => [
            t.topic,
            t.owner,
            t.ready,
            t.inflight,
            t.delayed,
            t.dead,
            t.waiting ?? '-',
            t.groups ?? '-',
          ]),
          {
            align: {
              ready: 'right',
              inflight: 'right',
              delayed: 'right',
              dead: 'right',
              waiting: 'right',
              groups: 'right',
            },
          },
        );
        return { json: list, text: table + (list.truncated ? 'more topics match: use --prefix or --limit\n' : '') };
      }),
    );

  queue
    .command('browse')
    .description('look at the messages of a topic without consuming them (ready, delayed or in flight)')
    .argument('<topic>', 'topic name')
    .option('--state <state>', 'ready, delayed or inflight (default ready)', browseState)
    .option(`--limit <n>`, `at most this many (1-${BROWSE_MAX}, server default 50)`, (v: string) =>
      parseCount(v, '--limit', 1, BROWSE_MAX),
    )
    .addHelpText('after', '\nExample:\n  dssctl queue browse orders --state delayed --limit 10')
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const o = ctx.opts as { state?: BrowseState; limit?: number };
        const body = await ctx.client().queue.browse(topic, { state: o.state, limit: o.limit }, { signal: ctx.signal });
        const list = (body as { messages?: unknown } | null)?.messages;
        const messages = Array.isArray(list) ? (list as Row[]) : [];
        return {
          json: body,
          text:
            messages.length === 0
              ? `no ${o.state ?? 'ready'} messages in ${topic}\n`
              : deliveriesTable(messages, false),
        };
      }),
    );

  queue
    .command('redrive')
    .description('move dead letters of a topic back to ready, delivery count reset: all, or the ids given')
    .argument('<topic>', 'topic name')
    .argument('[ids...]', `only these dead letters (1-${REDRIVE_IDS_MAX} message ids), in one step`)
    .addHelpText(
      'after',
      '\nExamples:\n  dssctl queue redrive orders\n  dssctl queue redrive orders 0190a1b2c3d4-00000000-1a2b3c4d5e',
    )
    .action(
      action(async (ctx) => {
        const [topic, ids] = ctx.args as [string, string[]];
        if (ids.length > REDRIVE_IDS_MAX) throw new UsageError(`at most ${REDRIVE_IDS_MAX} ids per redrive`);
        const queue = ctx.client().queue;
        const body =
          ids.length > 0
            ? await queue.redriveIds(topic, ids, { signal: ctx.signal })
            : await queue.redrive(topic, { signal: ctx.signal });
        const answer = body as { redriven?: unknown; notFound?: unknown } | null;
        const n = answer?.redriven;
        const missing = Array.isArray(answer?.notFound) ? answer.notFound.map(String) : [];
        const text =
          (typeof n === 'number' ? `redrove ${plural(n, 'message')} of ${topic} back to ready\n` : 'redriven\n') +
          (missing.length > 0 ? `not dead letters of ${topic}: ${missing.join(' ')}\n` : '');
        if (missing.length === 0) return { json: body, text };
        return {
          json: body,
          text,
          exitCode: EXIT.NOT_FOUND,
          problem: {
            code: 'NOT_FOUND',
            message: `${plural(missing.length, 'id')} of ${ids.length} not among the dead letters of ${topic}`,
          },
        };
      }),
    );

  queue
    .command('purge')
    .description('delete every dead letter of a topic, bodies included (cannot be undone)')
    .argument('<topic>', 'topic name')
    .addHelpText('after', '\nExample:\n  dssctl queue dead orders --json > dead.json && dssctl queue purge orders')
    .action(
      action(async (ctx) => {
        const [topic] = ctx.args as [string];
        const body = await ctx.client().queue.purgeDead(topic, { signal: ctx.signal });
        const n = (body as { purged?: unknown } | null)?.purged;
        return {
          json: body,
          text: typeof n === 'number' ? `purged ${plural(n, 'dead letter')} of ${topic}\n` : 'purged\n',
        };
      }),
    );
}

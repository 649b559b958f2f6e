// Locks: search resources by prefix, one resource's holders and FIFO waiters
// (refreshed every two seconds), the recent deadlock refusals, and releasing a
// holder by hand (confirmed; the console's log records it).
import { daemon, enc } from './api.js';
import { confirmAction, dateTime, every, fill, h, markLive, ms, num, searchForm, table, toast } from './dom.js';

const POLL_MS = 2000;
const LIST_LIMIT = 200;

export function mount(main, { canWrite, params }) {
  const prefix = h('input', {
    id: 'lock-prefix',
    name: 'prefix',
    placeholder: 'orders/',
    value: params.get('prefix') ?? '',
  });
  const list = h('div', { 'data-testid': 'lock-list' });
  const detail = h('div', { 'data-testid': 'lock-detail' });
  const deadlocks = h('div', { 'data-testid': 'deadlocks' });
  let selected = params.get('resource');
  fill(
    main,
    h('h2', {}, 'Locks'),
    h(
      'section',
      { class: 'card' },
      searchForm('Resource or prefix', prefix, 'Search', () => {
        selected = null;
        return refresh();
      }),
      list,
    ),
    h('section', { class: 'card' }, detail),
    h('section', { class: 'card' }, h('h3', {}, 'Recent deadlock refusals'), deadlocks),
  );

  const select = (resource) => {
    selected = resource;
    refresh();
    detail.scrollIntoView({ block: 'nearest' });
  };

  async function refresh() {
    await Promise.all([showList(), showDetail(), showDeadlocks()]);
    markLive();
  }

  async function showList() {
    try {
      const q = `?prefix=${enc(prefix.value)}&limit=${LIST_LIMIT}`;
      const r = await daemon('lock', 'any', `/lock${q}`);
      if (r.resources.length === 0)
        return fill(
          list,
          h(
            'p',
            { class: 'muted' },
            prefix.value ? `No lock is held or waited for under "${prefix.value}".` : 'No lock is held or waited for.',
          ),
        );
      fill(
        list,
        table(
          ['resource', 'permits', 'holders', 'waiters', ''],
          r.resources.map((x) => ({
            attrs: { 'data-resource': x.resource },
            cells: [
              x.resource,
              num(x.permits),
              num(x.holders.length),
              num(x.waiters.length),
              h('button', { type: 'button', onclick: () => select(x.resource) }, 'Show'),
            ],
          })),
        ),
        r.truncated ? h('p', { class: 'muted' }, `The first ${LIST_LIMIT}; narrow the prefix for more.`) : '',
      );
      if (!selected && r.resources.length === 1) select(r.resources[0].resource);
    } catch (err) {
      fill(list, h('p', { class: 'bad' }, `Cannot list locks: ${err.message}`));
    }
  }

  async function showDetail() {
    const resource = selected ?? (prefix.value || null);
    if (!resource) return fill(detail, h('p', { class: 'muted' }, 'Choose a resource to see its holders and waiters.'));
    let r;
    try {
      r = await daemon('lock', 'any', `/lock/${enc(resource)}`);
    } catch (err) {
      return fill(detail, h('p', { class: 'bad' }, `Cannot read ${resource}: ${err.message}`));
    }
    fill(
      detail,
      h(
        'h3',
        {},
        'Resource ',
        h('code', { 'data-testid': 'lock-resource' }, r.resource),
        r.permits > 1 ? ` (semaphore of ${r.permits} permits)` : '',
      ),
      r.holders.length === 0
        ? h('p', { class: 'muted' }, 'Free: nobody holds it.')
        : table(
            ['holder', 'mode', 'fencing token', 'lease left', ''],
            r.holders.map((x) => ({
              attrs: { 'data-owner': x.owner },
              cells: [
                x.owner,
                x.mode,
                num(x.fencingToken),
                ms(x.expiresInMs),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    disabled: !canWrite,
                    title: canWrite ? `Release ${x.owner}'s hold` : 'needs a read-write token',
                    onclick: () => release(r.resource, x),
                  },
                  'Release…',
                ),
              ],
            })),
            { 'data-testid': 'holders' },
          ),
      h('h3', {}, 'Waiters (first in line first)'),
      r.waiters.length === 0
        ? h('p', { class: 'muted' }, 'Nobody waits.')
        : table(
            ['#', 'owner', 'mode'],
            r.waiters.map((w, i) => [num(i + 1), w.owner, w.mode]),
            { 'data-testid': 'waiters' },
          ),
    );
  }

  async function showDeadlocks() {
    // Every lock node records the refusals it applies from the log, so any one of them has the
    // same list (newest first); a node restarted since knows only the later ones.
    let rows;
    try {
      rows = (await daemon('lock', 'any', '/cluster')).deadlocks;
    } catch (err) {
      return fill(deadlocks, h('p', { class: 'bad' }, err.message));
    }
    if (rows.length === 0) return fill(deadlocks, h('p', { class: 'muted' }, 'None since the lock nodes started.'));
    fill(
      deadlocks,
      table(
        ['when', 'log index', 'owner', 'wanted', 'cycle'],
        rows.map((x) => [
          dateTime(x.when),
          num(x.index),
          x.owner,
          x.resources.join(', '),
          x.cycle.map((c) => `${c.owner} waits for ${c.resource}`).join(' → '),
        ]),
        { 'data-testid': 'deadlock-list' },
      ),
    );
  }

  async function release(resource, holder) {
    const ok = await confirmAction(
      'Release this lock?',
      `Release ${resource} held by ${holder.owner} (fencing token ${holder.fencingToken}). The holder is not told: it may still believe it holds the lock, and only writes checked against the fencing token are safe from it.`,
      'Release',
    );
    if (!ok) return;
    try {
      await daemon('lock', 'any', '/lock/release', { method: 'POST', body: { resource, owner: holder.owner } });
      toast(`Released ${resource} held by ${holder.owner}.`);
    } catch (err) {
      toast(`Not released: ${err.message}`, true);
    }
    await refresh();
  }

  return every(POLL_MS, refresh);
}

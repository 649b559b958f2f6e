// Queues: every topic with its counts and rates (refreshed every two seconds),
// one topic's messages by state with their bodies and delivery counts, and the
// dead-letter actions: redrive one, redrive all, purge (each confirmed).
import { api, daemon, enc } from './api.js';
import { confirmAction, dateTime, every, fill, h, markLive, num, table, toast } from './dom.js';

const POLL_MS = 2000;
const STATES = ['ready', 'delayed', 'inflight', 'dead'];
const BODY_CHARS = 2000;

export function mount(main, { canWrite, params }) {
  const topics = h('div', { 'data-testid': 'topics' });
  const detail = h('div', { 'data-testid': 'topic-detail' });
  let topic = params.get('topic');
  let state = 'ready';
  fill(main, h('h2', {}, 'Queues'), h('section', { class: 'card' }, topics), h('section', { class: 'card' }, detail));

  const open = (t, s) => {
    topic = t;
    state = s ?? state;
    void refresh();
  };

  async function refresh() {
    await Promise.all([showTopics(), showDetail()]);
    markLive();
  }

  async function showTopics() {
    let list, rates;
    try {
      [list, rates] = await Promise.all([daemon('queue', 'any', '/queue?limit=1000'), api('api/queue-rates')]);
    } catch (err) {
      return fill(topics, h('p', { class: 'bad' }, `Cannot list topics: ${err.message}`));
    }
    if (list.topics.length === 0)
      return fill(topics, h('p', { class: 'muted' }, 'No topics yet: publish a message to create one.'));
    const rate = (t, k) => {
      const v = rates.rates[t]?.[k];
      return { v: v === undefined ? '–' : `${v}/s`, class: 'num' };
    };
    fill(
      topics,
      table(
        [
          'topic',
          'owner',
          'ready',
          'in flight',
          'delayed',
          'dead',
          'waiting in groups',
          'published',
          'delivered',
          'acked',
          '',
        ],
        list.topics.map((t) => ({
          attrs: { 'data-topic': t.topic },
          cells: [
            t.topic,
            t.owner,
            num(t.ready),
            num(t.inflight),
            num(t.delayed),
            t.dead > 0 ? { v: t.dead.toLocaleString('en'), class: 'num bad' } : num(0),
            num(t.waiting),
            rate(t.topic, 'published'),
            rate(t.topic, 'delivered'),
            rate(t.topic, 'acked'),
            h('button', { type: 'button', onclick: () => open(t.topic) }, 'Browse'),
          ],
        })),
      ),
      list.truncated ? h('p', { class: 'muted' }, 'More topics exist than are shown.') : '',
    );
  }

  async function showDetail() {
    if (!topic) return fill(detail, h('p', { class: 'muted' }, 'Choose a topic to browse its messages.'));
    const tabs = h(
      'div',
      { class: 'tabs', role: 'group', 'aria-label': 'Message state' },
      STATES.map((s) =>
        h(
          'button',
          { type: 'button', 'aria-pressed': String(s === state), onclick: () => open(topic, s) },
          s === 'dead' ? 'dead letters' : s,
        ),
      ),
    );
    let r;
    try {
      r =
        state === 'dead'
          ? await daemon('queue', 'any', `/queue/${enc(topic)}/dead`)
          : await daemon('queue', 'any', `/queue/${enc(topic)}/messages?state=${state}&limit=100`);
    } catch (err) {
      return fill(detail, h('h3', {}, `Topic ${topic}`), tabs, h('p', { class: 'bad' }, err.message));
    }
    const actions =
      state === 'dead' && r.messages.length > 0
        ? h(
            'p',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                disabled: !canWrite,
                title: canWrite ? '' : 'needs a read-write token',
                onclick: () => redrive(),
              },
              'Redrive all…',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                disabled: !canWrite,
                title: canWrite ? '' : 'needs a read-write token',
                onclick: () => purge(),
              },
              'Purge dead letters…',
            ),
          )
        : '';
    const headers = ['id', 'body', 'published', 'deliveries', 'group', 'priority'];
    if (state === 'delayed') headers.push('due');
    if (state === 'inflight') headers.push('visible again');
    if (state === 'dead') headers.push('');
    fill(
      detail,
      h('h3', {}, 'Topic ', h('code', {}, topic)),
      tabs,
      actions,
      r.messages.length === 0
        ? h('p', { class: 'muted' }, `No ${state === 'dead' ? 'dead letters' : `${state} messages`}.`)
        : table(
            headers,
            r.messages.map((m) => ({
              attrs: { 'data-message': m.id },
              cells: [
                h('code', {}, m.id),
                h('pre', {}, JSON.stringify(m.body, null, 1).slice(0, BODY_CHARS)),
                dateTime(m.publishedAt),
                num(m.deliveries),
                m.group ?? '–',
                num(m.priority ?? 4),
                ...(state === 'delayed' ? [m.deliverAt ? dateTime(m.deliverAt) : '–'] : []),
                ...(state === 'inflight' ? [m.visibleAt ? dateTime(m.visibleAt) : '–'] : []),
                ...(state === 'dead'
                  ? [h('button', { type: 'button', disabled: !canWrite, onclick: () => redrive(m.id) }, 'Redrive')]
                  : []),
              ],
            })),
            { 'data-testid': 'messages' },
          ),
    );
  }

  async function redrive(id) {
    const what = id ? `dead letter ${id}` : `every dead letter of ${topic}`;
    if (
      !(await confirmAction(
        'Redrive?',
        `Move ${what} back to ready, deliveries reset to 0. Consumers will receive it again.`,
        'Redrive',
      ))
    )
      return;
    try {
      const r = await daemon('queue', 'any', `/queue/${enc(topic)}/dead/redrive`, {
        method: 'POST',
        ...(id ? { body: { ids: [id] } } : {}),
      });
      toast(`Redriven: ${r.redriven}.`);
    } catch (err) {
      toast(`Not redriven: ${err.message}`, true);
    }
    await refresh();
  }

  async function purge() {
    if (
      !(await confirmAction(
        'Purge dead letters?',
        `Delete every dead letter of ${topic}, bodies included. This cannot be undone.`,
        'Purge',
      ))
    )
      return;
    try {
      const r = await daemon('queue', 'any', `/queue/${enc(topic)}/dead`, { method: 'DELETE' });
      toast(`Purged ${r.purged} dead letters.`);
    } catch (err) {
      toast(`Not purged: ${err.message}`, true);
    }
    await refresh();
  }

  return every(POLL_MS, refresh);
}

// Cache: look up a key (its value, TTL, every node's MESI state and its home's
// directory entry), the lines per state on each node, and flushing a node's
// dirty lines to Redis (confirmed).
import { daemon, enc } from './api.js';
import { confirmAction, every, fill, h, markLive, ms, num, searchForm, table, toast } from './dom.js';

const POLL_MS = 2000;
const HOLDING = ['M', 'E', 'S'];

export function mount(main, { canWrite, params, session }) {
  const key = h('input', { id: 'cache-key', name: 'key', placeholder: 'greeting', value: params.get('key') ?? '' });
  const result = h('div', { 'data-testid': 'cache-key-result' });
  const lines = h('div', { 'data-testid': 'cache-lines' });
  fill(
    main,
    h('h2', {}, 'Cache'),
    h('section', { class: 'card' }, searchForm('Key', key, 'Look up', lookUp), result),
    h('section', { class: 'card' }, h('h3', {}, 'Lines per node'), lines),
  );

  async function lookUp() {
    const k = key.value;
    if (!k) return fill(result, h('p', { class: 'muted' }, 'Enter a key.'));
    let c;
    try {
      c = await daemon('cache', 'any', `/cache/${enc(k)}/coherence`);
    } catch (err) {
      return fill(result, h('p', { class: 'bad' }, `Cannot look up ${k}: ${err.message}`));
    }
    // Read the value where a valid copy already is (a hit changes no state), else at the key's home.
    const holder = Object.entries(c.states).find(([, s]) => HOLDING.includes(s))?.[0] ?? c.home;
    let value;
    try {
      value = await daemon('cache', holder, `/cache/${enc(k)}`);
    } catch (err) {
      value = err.code === 'NOT_FOUND' ? null : { error: err.message };
    }
    const d = c.directory;
    fill(
      result,
      h('h3', {}, 'Key ', h('code', {}, c.key), ` · home ${c.home}`),
      value === null
        ? h('p', { class: 'muted', 'data-testid': 'cache-value' }, 'No value (never written, deleted or expired).')
        : value.error
          ? h('p', { class: 'bad' }, value.error)
          : h(
              'div',
              {},
              h(
                'pre',
                { 'data-testid': 'cache-value' },
                value.encoding === 'base64' ? `(bytes, base64) ${value.value}` : JSON.stringify(value.value, null, 1),
              ),
              h(
                'p',
                { class: 'muted', 'data-testid': 'cache-ttl' },
                value.ttlMs === undefined ? 'No expiry.' : `Expires in ${ms(value.ttlMs)}.`,
                value.fence ? ` Fenced at token ${value.fence.token}.` : '',
                ` Read on ${holder} (${value.source}).`,
              ),
            ),
      table(
        ['node', 'state'],
        Object.entries(c.states).map(([n, s]) => [n, { v: s, class: HOLDING.includes(s) ? 'leader' : 'muted' }]),
        { 'data-testid': 'cache-states' },
      ),
      h(
        'p',
        {},
        d
          ? `Directory at ${c.home}: ${d.state}, owner ${d.owner ?? 'none'}, sharers ${d.sharers.length ? d.sharers.join(', ') : 'none'}, version ${d.version}.`
          : `Directory at ${c.home}: no entry (no node caches the key).`,
        c.unreachable?.length ? h('span', { class: 'bad' }, ` Unreachable: ${c.unreachable.join(', ')}.`) : '',
      ),
    );
  }

  async function flush(node) {
    if (
      !(await confirmAction(
        'Flush this node?',
        `Write every Modified line of the cache on ${node} back to Redis now. Values stay cached.`,
        'Flush',
      ))
    )
      return;
    try {
      const r = await daemon('cache', node, '/cache/flush', { method: 'POST', body: {} });
      toast(`${node}: ${r.flushed} lines written back.`);
    } catch (err) {
      toast(`Not flushed: ${err.message}`, true);
    }
  }

  if (key.value) void lookUp();
  return every(POLL_MS, async () => {
    // Each cache node's own GET /cluster (its lines and the directory entries it is home for).
    const views = await Promise.all(
      session.nodes.map((node) =>
        daemon('cache', node, '/cluster').then(
          (status) => ({ node, status }),
          (err) => ({ node, error: err.message }),
        ),
      ),
    );
    fill(
      lines,
      table(
        ['node', 'lines', 'bytes', 'M', 'E', 'S', 'I', 'directory entries', ''],
        views.map((d) => {
          const l = d.status?.cache?.lines;
          return {
            attrs: { 'data-node': d.node },
            cells: l
              ? [
                  d.node,
                  num(l.total),
                  num(l.bytes),
                  num(l.M),
                  num(l.E),
                  num(l.S),
                  num(l.I),
                  num(d.status.cache.owns?.directoryEntries),
                  h(
                    'button',
                    {
                      type: 'button',
                      disabled: !canWrite,
                      title: canWrite ? '' : 'needs a read-write token',
                      onclick: () => flush(d.node),
                    },
                    'Flush…',
                  ),
                ]
              : [d.node, { v: d.error ?? 'unreachable', class: 'bad' }, '', '', '', '', '', '', ''],
          };
        }),
      ),
    );
    markLive();
  });
}

// Cluster: every node and role, live (polled every second): health, Raft state
// per lock node, the hash rings, Redis's primary and replicas, and a log of
// leader and primary changes as this page saw them happen.
import { api } from './api.js';
import { every, fill, h, markLive, num, table, time } from './dom.js';

export const POLL_MS = 1000;
const ROLES = ['lock', 'queue', 'cache'];

export function mount(main, { session }) {
  const summary = h('p', { 'data-testid': 'cluster-summary' }, 'Loading…');
  const nodes = h('div');
  const rings = h('div');
  const redis = h('div');
  const events = h('ol', { class: 'events', 'data-testid': 'events' });
  const updated = h('span', { class: 'muted' });
  fill(
    main,
    h('h2', {}, 'Cluster ', updated),
    h('section', { class: 'card' }, summary),
    h('section', { class: 'card' }, h('h3', {}, 'Nodes'), nodes),
    h(
      'div',
      { class: 'grid' },
      h('section', { class: 'card' }, h('h3', {}, 'Hash rings'), rings),
      h('section', { class: 'card' }, h('h3', {}, 'Redis'), redis),
    ),
    h('section', { class: 'card' }, h('h3', {}, 'Changes seen'), events),
  );
  let last = {};
  const note = (text) => events.prepend(h('li', {}, `${time(Date.now())} ${text}`));

  return every(POLL_MS, async () => {
    let o;
    try {
      o = await api('api/overview');
    } catch (err) {
      fill(summary, h('span', { class: 'bad' }, `Cannot read the cluster: ${err.message}`));
      return;
    }
    updated.textContent = `· updated ${time(o.at)}`;
    const by = (role, node) => o.daemons.find((d) => d.role === role && d.node === node);
    const lockViews = o.daemons.filter((d) => d.role === 'lock' && d.status?.raft);
    const leaderView = lockViews.find((d) => d.status.raft.state === 'leader');
    const leader = leaderView?.node ?? null;
    const term = Math.max(0, ...lockViews.map((d) => d.status.raft.term));
    const primary = o.redis?.primary ?? null;
    if (last.leader !== undefined && last.leader !== leader)
      note(`lock leader: ${last.leader ?? 'none'} → ${leader ?? 'none'} (term ${term})`);
    if (last.primary !== undefined && last.primary !== primary)
      note(`Redis primary: ${last.primary ?? 'none'} → ${primary ?? 'none'}`);
    const down = o.daemons.filter((d) => !d.reachable).map((d) => `${d.role}@${d.node}`);
    for (const d of down) if (!last.down?.includes(d)) note(`${d} unreachable`);
    for (const d of last.down ?? []) if (!down.includes(d)) note(`${d} back`);
    last = { leader, primary, down };

    fill(
      summary,
      'Lock leader: ',
      h('strong', { 'data-testid': 'lock-leader' }, leader ?? 'none'),
      ` (term ${term}) · Redis primary: `,
      h('strong', { 'data-testid': 'redis-primary' }, primary ?? (o.redis ? 'none' : 'standalone')),
      ` · daemons up: ${o.daemons.length - down.length}/${o.daemons.length}`,
      down.length ? h('span', { class: 'bad' }, ` (down: ${down.join(', ')})`) : '',
    );
    fill(
      nodes,
      table(
        ['node', ...ROLES],
        session.nodes.map((node) => ({
          attrs: { 'data-node': node },
          cells: [node, ...ROLES.map((r) => daemonCell(by(r, node)))],
        })),
        { 'data-testid': 'nodes' },
      ),
    );
    fill(rings, ringTable(o.daemons));
    fill(redis, redisTable(o.redis));
    markLive();
  });
}

function health(d) {
  if (!d) return h('span', { class: 'muted' }, 'not deployed');
  if (!d.reachable) return h('span', {}, h('span', { class: 'dot' }), h('span', { class: 'bad' }, 'unreachable'));
  return h(
    'span',
    {},
    h('span', { class: `dot ${d.ready ? 'ok' : 'warn'}` }),
    d.ready ? 'ready' : h('span', { class: 'warn' }, 'not ready'),
    h('span', { class: 'muted' }, ` ${d.ms} ms`),
  );
}

function daemonCell(d) {
  const s = d?.status;
  const detail = [];
  if (s?.raft) {
    const r = s.raft;
    detail.push(
      h('div', { class: r.state === 'leader' ? 'leader' : '', 'data-testid': `raft-${d.node}` }, r.state),
      h(
        'div',
        { class: 'muted' },
        `term ${r.term} · commit ${r.commitIndex.toLocaleString('en')} · leader ${r.leader ?? 'none'}`,
      ),
    );
  }
  if (s?.queue)
    detail.push(h('div', { class: 'muted' }, `owns ${s.queue.owns?.length ?? 0} topics · Redis ${s.queue.redis}`));
  if (s?.cache?.lines) {
    const l = s.cache.lines;
    detail.push(h('div', { class: 'muted' }, `${l.total} lines · M ${l.M} E ${l.E} S ${l.S} I ${l.I}`));
  }
  return h('div', {}, health(d), ...detail);
}

function ringTable(daemons) {
  const rows = [];
  for (const d of daemons) {
    const ring = d.status?.queue?.ring ?? d.status?.cache?.ring;
    if (!ring) continue;
    const dead = ring.nodes.filter((n) => !ring.alive.includes(n));
    rows.push([
      `${d.role} on ${d.node}`,
      ring.nodes.join(', '),
      dead.length ? { v: dead.join(', '), class: 'bad' } : 'none',
    ]);
  }
  return rows.length
    ? table(['as seen by', 'owners on the ring', 'left out (down)'], rows)
    : h('p', { class: 'muted' }, 'No ring reported.');
}

function redisTable(r) {
  if (!r) return h('p', { class: 'muted' }, 'One standalone Redis (nothing to fail over), or no lock node answered.');
  return h(
    'div',
    {},
    h(
      'p',
      {},
      `Primary ${r.primary} · epoch ${r.epoch} · writes wait for ${r.replicasToAck} replica(s) · failover by the lock leader ${r.leader ?? '(none)'}`,
    ),
    table(
      ['server', 'address', 'role', 'link', 'offset'],
      r.nodes.map((n) => [
        n.id,
        `${n.host}:${n.port}`,
        n.reachable ? { v: n.role, class: n.id === r.primary ? 'leader' : '' } : { v: 'unreachable', class: 'bad' },
        n.role === 'replica' ? (n.linkUp ? 'up' : { v: 'down', class: 'bad' }) : '–',
        num(n.offset),
      ]),
      { 'data-testid': 'redis' },
    ),
  );
}

// The console's shell: the session (is a token needed, what may it do), the
// page router (#/cluster, #/locks, #/queues, #/cache), and each page's lifecycle.
import { api, ApiFailure, token } from './api.js';
import { fill, h } from './dom.js';
import * as cache from './page-cache.js';
import * as cluster from './page-cluster.js';
import * as locks from './page-locks.js';
import * as queues from './page-queues.js';

const PAGES = { cluster, locks, queues, cache };
/** The Grafana dashboard (ansible/roles/grafana/files/dashboards, by uid) that goes with each page. */
const DASHBOARDS = {
  cluster: ['dss-overview', 'Overview'],
  locks: ['dss-raft-locks', 'Raft and locks'],
  queues: ['dss-queue', 'Queue'],
  cache: ['dss-cache', 'Cache'],
};
const main = document.getElementById('main');
let unmount = () => {};
let session;

const ACCESS_LABEL = { open: 'open cluster (no tokens)', readWrite: 'read-write', readOnly: 'read-only' };

async function loadSession() {
  try {
    session = await api('api/session');
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) {
      token.clear();
      session = await api('api/session');
      return askToken('That token is not valid for this cluster.');
    }
    fill(main, h('p', { class: 'bad' }, `The console cannot start: ${err.message}`));
    return false;
  }
  document.getElementById('cluster-name').textContent = `${session.cluster} · ${session.node}`;
  document.title = `DSS console · ${session.cluster}`;
  document.getElementById('grafana-link').hidden = !session.grafanaUrl;
  if (session.tokensRequired && !session.access) return askToken();
  const badge = document.getElementById('access');
  badge.textContent = ACCESS_LABEL[session.access];
  badge.className = `badge ${session.access}`;
  document.getElementById('sign-out').hidden = !session.tokensRequired;
  return true;
}

function askToken(problem) {
  unmount();
  const input = h('input', {
    id: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    minlength: 16,
  });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: async (e) => {
        e.preventDefault();
        token.set(input.value.trim());
        if (await loadSession()) route();
      },
    },
    h('h2', {}, 'This cluster needs an API token'),
    h(
      'p',
      { class: 'muted' },
      'A read-only token shows everything; admin actions need a read-write token. The token stays in this tab only.',
    ),
    problem && h('p', { class: 'bad', role: 'alert' }, problem),
    h('label', { for: 'token' }, 'API token', input),
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Open the console')),
  );
  fill(main, h('section', { class: 'card' }, form));
  input.focus();
  return false;
}

function route() {
  unmount();
  const asked = (location.hash.match(/^#\/(\w+)/) ?? [])[1];
  const name = PAGES[asked] ? asked : 'cluster';
  const page = PAGES[name];
  for (const a of document.querySelectorAll('nav a[data-page]')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const [uid, title] = DASHBOARDS[name];
  const grafana = document.getElementById('grafana-link');
  if (session.grafanaUrl) {
    grafana.href = `${session.grafanaUrl.replace(/\/$/, '')}/d/${uid}`;
    grafana.textContent = `Grafana: ${title} ↗`;
  }
  fill(main);
  const ctx = {
    session,
    canWrite: session.access !== 'readOnly',
    params: new URLSearchParams(location.hash.split('?')[1] ?? ''),
  };
  unmount = page.mount(main, ctx) ?? (() => {});
}

document.getElementById('sign-out').addEventListener('click', () => {
  token.clear();
  location.reload();
});
window.addEventListener('hashchange', () => {
  if (session && (!session.tokensRequired || session.access)) route();
});

if (await loadSession()) route();

// DOM helpers: elements are built with text nodes only (never innerHTML), so a
// lock owner or a message body is always shown as text.

/** h('td', {class: 'num'}, 'text', child, ...): an element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A table with a header row; `rows` are arrays of cells (a cell is text, a node, or {v, class}). */
export function table(headers, rows, attrs = {}) {
  const cell = (tag, c) =>
    c !== null && typeof c === 'object' && !(c instanceof Node) ? h(tag, { class: c.class }, c.v) : h(tag, {}, c);
  return h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => cell('th', x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          r.attrs ?? {},
          (r.cells ?? r).map((c) => cell('td', c)),
        ),
      ),
    ),
  );
}

export const num = (v) => ({ v: v === undefined || v === null ? '–' : Number(v).toLocaleString('en'), class: 'num' });

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
}

export function ms(v) {
  if (v === undefined || v === null) return '–';
  if (v < 1000) return `${v} ms`;
  if (v < 120_000) return `${(v / 1000).toFixed(1)} s`;
  return `${Math.round(v / 60_000)} min`;
}

export const time = (epochMs) => new Date(epochMs).toLocaleTimeString('en-GB');
export const dateTime = (epochMs) =>
  new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/** Shows a short message in the corner for a few seconds. */
export function toast(text, error = false) {
  const p = h('p', { class: error ? 'error' : '' }, text);
  document.getElementById('toast').append(p);
  setTimeout(() => p.remove(), error ? 8000 : 4000);
}

/** Asks before an admin action; resolves true when the operator confirmed. */
export function confirmAction(title, text, okLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }),
  );
}

/** Runs `fn` now and again `intervalMs` after each run ends, until the returned stop() is called. */
export function every(intervalMs, fn) {
  let stopped = false;
  let timer;
  const run = async () => {
    try {
      await fn();
    } finally {
      if (!stopped) timer = setTimeout(run, intervalMs);
    }
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Marks the moment a page first shows live data (performance mark "dss:live"),
 * once per page load: `npm run docs:console` reads it to time the pages.
 */
export function markLive() {
  if (performance.getEntriesByName('dss:live').length === 0) performance.mark('dss:live');
}

/** A one-field search form: the labelled input and a submit button that calls `onSearch`. */
export function searchForm(label, input, button, onSearch) {
  return h(
    'form',
    {
      class: 'inline',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        void onSearch();
      },
    },
    h('label', { for: input.id }, label, input),
    h('button', { class: 'primary', type: 'submit' }, button),
  );
}

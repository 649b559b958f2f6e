// The cache controller's transition table, pinned exhaustively: every
// combination of stable state (M split into dirty M* and clean M), pending
// local op (none, read, write, delete, evict) and event gives either exactly
// the listed next state and actions, or a ProtocolError. Any change to a
// single transition fails this test, so a change must be made here on purpose.
//
// Notation. A line is `NAME[pending write's value] data@version#writes`, NAME
// being lineStateName with `*` after M when dirty (M*I_A = dirty M being
// evicted). Every line starts with data `v`, version 5 and 3 writes. Actions:
// `read:value/state/source`, `read:none`, `write:M`, `delete:existed|absent`,
// `evicted` (answers to the local op); `req:kind` (to the home); `unblock`;
// `reply:held[*] data@version` (to a forward); `wb:data@version#writes`.
import {
  INVALID_LINE,
  lineStateName,
  stepLine,
  type Line,
  type LineAction,
  type LineEvent,
  type Pending,
} from './cache-line.js';
import { ProtocolError, type Stable } from './protocol-types.js';

/** Every stable state, with M split into dirty (M*) and clean. */
const HELD = ['M*', 'M', 'E', 'S', 'I'] as const;
const PENDING = ['', 'S_D', 'M_D', 'D_D', 'I_A'] as const;
type HeldLabel = (typeof HELD)[number];
type StateLabel = `${HeldLabel}${(typeof PENDING)[number]}`;

const PENDING_OF: Record<(typeof PENDING)[number], Pending | undefined> = {
  '': undefined,
  S_D: { kind: 'read' },
  M_D: { kind: 'write', value: 'p' },
  D_D: { kind: 'delete' },
  I_A: { kind: 'evict' },
};

/** The line in a state: data `v` of version 5 after 3 local writes (a pending write stores `p`). */
function lineIn(held: HeldLabel, pending: (typeof PENDING)[number]): Line {
  const h = held.replace('*', '') as Stable;
  const p = PENDING_OF[pending];
  return {
    held: h,
    ...(h === 'I' ? {} : { value: 'v' }),
    version: 5,
    dirty: held === 'M*',
    writes: 3,
    ...(p ? { pending: p } : {}),
  };
}

const EVENTS = {
  load: { type: 'load' },
  'store w': { type: 'store', value: 'w' },
  delete: { type: 'delete' },
  evict: { type: 'evict' },
  flush: { type: 'flush' },
  'wbDone 3 (own)': { type: 'writeBackDone', writes: 3 },
  'wbDone 2 (older)': { type: 'writeBackDone', writes: 2 },
  'fwd invalidate': { type: 'forward', kind: 'invalidate' },
  'fwd downgrade': { type: 'forward', kind: 'downgrade' },
  'grant read S': { type: 'grant', grant: { kind: 'read', state: 'S', value: 'g', version: 9, source: 'peer' } },
  'grant read E': { type: 'grant', grant: { kind: 'read', state: 'E', value: 'g', version: 9, source: 'memory' } },
  'grant read I': { type: 'grant', grant: { kind: 'read', state: 'I' } },
  'grant write': { type: 'grant', grant: { kind: 'write', version: 9 } },
  'grant delete existed': { type: 'grant', grant: { kind: 'delete', existed: true } },
  'grant delete absent': { type: 'grant', grant: { kind: 'delete', existed: false } },
  'grant evict': { type: 'grant', grant: { kind: 'evict' } },
  abort: { type: 'abort' },
} as const satisfies Record<string, LineEvent>;
type EventLabel = keyof typeof EVENTS;

const LINE_FIELDS = new Set(['held', 'value', 'version', 'dirty', 'writes', 'pending']);

/** `IM_D[p] -@5#3`: state name (`*` = dirty), pending write's value, data@version#writes. */
function fmtLine(line: Line): string {
  const extra = Object.keys(line).filter((k) => !LINE_FIELDS.has(k));
  if (extra.length) throw new Error(`fmtLine does not know ${extra.join()}`);
  const name = lineStateName(line).replace(/^M/, line.dirty ? 'M*' : 'M');
  const pv = line.pending?.kind === 'write' ? `[${line.pending.value}]` : '';
  if (line.dirty && line.held !== 'M') throw new Error('dirty outside M');
  return `${name}${pv} ${line.value ?? '-'}@${line.version}#${line.writes}`;
}

function fmtAction(a: LineAction): string {
  switch (a.type) {
    case 'answer': {
      const r = a.result;
      if (r.op === 'read') return r.found ? `read:${r.value}/${r.state}/${r.source}` : 'read:none';
      if (r.op === 'write') return `write:${r.state}`;
      if (r.op === 'delete') return r.existed ? 'delete:existed' : 'delete:absent';
      return 'evicted';
    }
    case 'request':
      return `req:${a.kind}`;
    case 'unblock':
      return 'unblock';
    case 'reply':
      return `reply:${a.reply.held}${a.reply.dirty ? '*' : ''} ${a.reply.value ?? '-'}@${a.reply.version}`;
    case 'writeBack':
      return `wb:${a.value}@${a.version}#${a.writes}`;
  }
}

function outcome(line: Line, event: LineEvent): string {
  try {
    const { line: next, actions } = stepLine(line, event);
    return [fmtLine(next), ...(actions.length ? [actions.map(fmtAction).join(', ')] : [])].join(' | ');
  } catch (err) {
    if (err instanceof ProtocolError) return 'throws';
    throw err;
  }
}

/** The expected outcome of every (state, event) pair. */
const TABLE: Record<StateLabel, Record<EventLabel, string>> = {
  'M*': {
    load: 'M* v@5#3 | read:v/M/local',
    'store w': 'M* w@5#4 | write:M',
    delete: 'M*D_D v@5#3 | req:del',
    evict: 'M*I_A v@5#4 | wb:v@5#4',
    flush: 'M* v@5#3 | wb:v@5#3',
    'wbDone 3 (own)': 'M v@5#3',
    'wbDone 2 (older)': 'M* v@5#3',
    'fwd invalidate': 'I -@5#3 | reply:M* v@5',
    'fwd downgrade': 'S v@5#3 | reply:M* v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'throws',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  'M*S_D': {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'M*S_D v@5#3 | wb:v@5#3',
    'wbDone 3 (own)': 'MS_D v@5#3',
    'wbDone 2 (older)': 'M*S_D v@5#3',
    'fwd invalidate': 'IS_D -@5#3 | reply:M* v@5',
    'fwd downgrade': 'SS_D v@5#3 | reply:M* v@5',
    'grant read S': 'S g@9#3 | read:g/S/peer, unblock',
    'grant read E': 'E g@9#3 | read:g/E/memory, unblock',
    'grant read I': 'I -@5#3 | read:none, unblock',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M* v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  'M*M_D': {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'M*M_D[p] v@5#3 | wb:v@5#3',
    'wbDone 3 (own)': 'MM_D[p] v@5#3',
    'wbDone 2 (older)': 'M*M_D[p] v@5#3',
    'fwd invalidate': 'IM_D[p] -@5#3 | reply:M* v@5',
    'fwd downgrade': 'SM_D[p] v@5#3 | reply:M* v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'M* p@9#4 | write:M, unblock',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M* v@5#3',
  },
  'M*D_D': {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'M*D_D v@5#3 | wb:v@5#3',
    'wbDone 3 (own)': 'MD_D v@5#3',
    'wbDone 2 (older)': 'M*D_D v@5#3',
    'fwd invalidate': 'ID_D -@5#3 | reply:M* v@5',
    'fwd downgrade': 'ID_D -@5#3 | reply:M* v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'I -@5#3 | delete:existed, unblock',
    'grant delete absent': 'I -@5#3 | delete:existed, unblock',
    'grant evict': 'throws',
    abort: 'M* v@5#3',
  },
  'M*I_A': {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'M*I_A v@5#3',
    'wbDone 3 (own)': 'II_A -@5#3 | req:evict',
    'wbDone 2 (older)': 'M*I_A v@5#3',
    'fwd invalidate': 'II_A -@5#3 | reply:M* v@5',
    'fwd downgrade': 'SI_A v@5#3 | reply:M* v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M* v@5#3',
  },
  M: {
    load: 'M v@5#3 | read:v/M/local',
    'store w': 'M* w@5#4 | write:M',
    delete: 'ID_D -@5#3 | req:del',
    evict: 'II_A -@5#4 | req:evict',
    flush: 'M v@5#3',
    'wbDone 3 (own)': 'M v@5#3',
    'wbDone 2 (older)': 'M v@5#3',
    'fwd invalidate': 'I -@5#3 | reply:M v@5',
    'fwd downgrade': 'S v@5#3 | reply:M v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'throws',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  MS_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'MS_D v@5#3',
    'wbDone 3 (own)': 'MS_D v@5#3',
    'wbDone 2 (older)': 'MS_D v@5#3',
    'fwd invalidate': 'IS_D -@5#3 | reply:M v@5',
    'fwd downgrade': 'SS_D v@5#3 | reply:M v@5',
    'grant read S': 'S g@9#3 | read:g/S/peer, unblock',
    'grant read E': 'E g@9#3 | read:g/E/memory, unblock',
    'grant read I': 'I -@5#3 | read:none, unblock',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  MM_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'MM_D[p] v@5#3',
    'wbDone 3 (own)': 'MM_D[p] v@5#3',
    'wbDone 2 (older)': 'MM_D[p] v@5#3',
    'fwd invalidate': 'IM_D[p] -@5#3 | reply:M v@5',
    'fwd downgrade': 'SM_D[p] v@5#3 | reply:M v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'M* p@9#4 | write:M, unblock',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M v@5#3',
  },
  MD_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'MD_D v@5#3',
    'wbDone 3 (own)': 'MD_D v@5#3',
    'wbDone 2 (older)': 'MD_D v@5#3',
    'fwd invalidate': 'ID_D -@5#3 | reply:M v@5',
    'fwd downgrade': 'ID_D -@5#3 | reply:M v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'I -@5#3 | delete:existed, unblock',
    'grant delete absent': 'I -@5#3 | delete:existed, unblock',
    'grant evict': 'throws',
    abort: 'M v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  MI_A: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'MI_A v@5#3',
    'wbDone 3 (own)': 'II_A -@5#3 | req:evict',
    'wbDone 2 (older)': 'MI_A v@5#3',
    'fwd invalidate': 'II_A -@5#3 | reply:M v@5',
    'fwd downgrade': 'SI_A v@5#3 | reply:M v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'M v@5#3',
  },
  E: {
    load: 'E v@5#3 | read:v/E/local',
    'store w': 'M* w@5#4 | write:M',
    delete: 'ID_D -@5#3 | req:del',
    evict: 'II_A -@5#4 | req:evict',
    flush: 'E v@5#3',
    'wbDone 3 (own)': 'E v@5#3',
    'wbDone 2 (older)': 'E v@5#3',
    'fwd invalidate': 'I -@5#3 | reply:E v@5',
    'fwd downgrade': 'S v@5#3 | reply:E v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'throws',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  ES_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'ES_D v@5#3',
    'wbDone 3 (own)': 'ES_D v@5#3',
    'wbDone 2 (older)': 'ES_D v@5#3',
    'fwd invalidate': 'IS_D -@5#3 | reply:E v@5',
    'fwd downgrade': 'SS_D v@5#3 | reply:E v@5',
    'grant read S': 'S g@9#3 | read:g/S/peer, unblock',
    'grant read E': 'E g@9#3 | read:g/E/memory, unblock',
    'grant read I': 'I -@5#3 | read:none, unblock',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'E v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  EM_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'EM_D[p] v@5#3',
    'wbDone 3 (own)': 'EM_D[p] v@5#3',
    'wbDone 2 (older)': 'EM_D[p] v@5#3',
    'fwd invalidate': 'IM_D[p] -@5#3 | reply:E v@5',
    'fwd downgrade': 'SM_D[p] v@5#3 | reply:E v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'M* p@9#4 | write:M, unblock',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'E v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  ED_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'ED_D v@5#3',
    'wbDone 3 (own)': 'ED_D v@5#3',
    'wbDone 2 (older)': 'ED_D v@5#3',
    'fwd invalidate': 'ID_D -@5#3 | reply:E v@5',
    'fwd downgrade': 'ID_D -@5#3 | reply:E v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'I -@5#3 | delete:existed, unblock',
    'grant delete absent': 'I -@5#3 | delete:existed, unblock',
    'grant evict': 'throws',
    abort: 'E v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  EI_A: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'EI_A v@5#3',
    'wbDone 3 (own)': 'II_A -@5#3 | req:evict',
    'wbDone 2 (older)': 'EI_A v@5#3',
    'fwd invalidate': 'II_A -@5#3 | reply:E v@5',
    'fwd downgrade': 'SI_A v@5#3 | reply:E v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'E v@5#3',
  },
  S: {
    load: 'S v@5#3 | read:v/S/local',
    'store w': 'SM_D[w] v@5#3 | req:getM',
    delete: 'ID_D -@5#3 | req:del',
    evict: 'II_A -@5#4 | req:evict',
    flush: 'S v@5#3',
    'wbDone 3 (own)': 'S v@5#3',
    'wbDone 2 (older)': 'S v@5#3',
    'fwd invalidate': 'I -@5#3 | reply:S v@5',
    'fwd downgrade': 'S v@5#3 | reply:S v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'throws',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  SS_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'SS_D v@5#3',
    'wbDone 3 (own)': 'SS_D v@5#3',
    'wbDone 2 (older)': 'SS_D v@5#3',
    'fwd invalidate': 'IS_D -@5#3 | reply:S v@5',
    'fwd downgrade': 'SS_D v@5#3 | reply:S v@5',
    'grant read S': 'S g@9#3 | read:g/S/peer, unblock',
    'grant read E': 'E g@9#3 | read:g/E/memory, unblock',
    'grant read I': 'I -@5#3 | read:none, unblock',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'S v@5#3',
  },
  SM_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'SM_D[p] v@5#3',
    'wbDone 3 (own)': 'SM_D[p] v@5#3',
    'wbDone 2 (older)': 'SM_D[p] v@5#3',
    'fwd invalidate': 'IM_D[p] -@5#3 | reply:S v@5',
    'fwd downgrade': 'SM_D[p] v@5#3 | reply:S v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'M* p@9#4 | write:M, unblock',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'S v@5#3',
  },
  // Unreachable (see REACHABLE); pinned all the same.
  SD_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'SD_D v@5#3',
    'wbDone 3 (own)': 'SD_D v@5#3',
    'wbDone 2 (older)': 'SD_D v@5#3',
    'fwd invalidate': 'ID_D -@5#3 | reply:S v@5',
    'fwd downgrade': 'ID_D -@5#3 | reply:S v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'I -@5#3 | delete:existed, unblock',
    'grant delete absent': 'I -@5#3 | delete:existed, unblock',
    'grant evict': 'throws',
    abort: 'S v@5#3',
  },
  SI_A: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'SI_A v@5#3',
    'wbDone 3 (own)': 'II_A -@5#3 | req:evict',
    'wbDone 2 (older)': 'SI_A v@5#3',
    'fwd invalidate': 'II_A -@5#3 | reply:S v@5',
    'fwd downgrade': 'SI_A v@5#3 | reply:S v@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'S v@5#3',
  },
  I: {
    load: 'IS_D -@5#3 | req:getS',
    'store w': 'IM_D[w] -@5#3 | req:getM',
    delete: 'ID_D -@5#3 | req:del',
    evict: 'I -@5#3 | evicted',
    flush: 'I -@5#3',
    'wbDone 3 (own)': 'I -@5#3',
    'wbDone 2 (older)': 'I -@5#3',
    'fwd invalidate': 'I -@5#3 | reply:I -@5',
    'fwd downgrade': 'I -@5#3 | reply:I -@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'throws',
  },
  IS_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'IS_D -@5#3',
    'wbDone 3 (own)': 'IS_D -@5#3',
    'wbDone 2 (older)': 'IS_D -@5#3',
    'fwd invalidate': 'IS_D -@5#3 | reply:I -@5',
    'fwd downgrade': 'IS_D -@5#3 | reply:I -@5',
    'grant read S': 'S g@9#3 | read:g/S/peer, unblock',
    'grant read E': 'E g@9#3 | read:g/E/memory, unblock',
    'grant read I': 'I -@5#3 | read:none, unblock',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'I -@5#3',
  },
  IM_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'IM_D[p] -@5#3',
    'wbDone 3 (own)': 'IM_D[p] -@5#3',
    'wbDone 2 (older)': 'IM_D[p] -@5#3',
    'fwd invalidate': 'IM_D[p] -@5#3 | reply:I -@5',
    'fwd downgrade': 'IM_D[p] -@5#3 | reply:I -@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'M* p@9#4 | write:M, unblock',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'throws',
    abort: 'I -@5#3',
  },
  ID_D: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'ID_D -@5#3',
    'wbDone 3 (own)': 'ID_D -@5#3',
    'wbDone 2 (older)': 'ID_D -@5#3',
    'fwd invalidate': 'ID_D -@5#3 | reply:I -@5',
    'fwd downgrade': 'ID_D -@5#3 | reply:I -@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'I -@5#3 | delete:existed, unblock',
    'grant delete absent': 'I -@5#3 | delete:absent, unblock',
    'grant evict': 'throws',
    abort: 'I -@5#3',
  },
  II_A: {
    load: 'throws',
    'store w': 'throws',
    delete: 'throws',
    evict: 'throws',
    flush: 'II_A -@5#3',
    'wbDone 3 (own)': 'II_A -@5#3 | req:evict',
    'wbDone 2 (older)': 'II_A -@5#3',
    'fwd invalidate': 'II_A -@5#3 | reply:I -@5',
    'fwd downgrade': 'II_A -@5#3 | reply:I -@5',
    'grant read S': 'throws',
    'grant read E': 'throws',
    'grant read I': 'throws',
    'grant write': 'throws',
    'grant delete existed': 'throws',
    'grant delete absent': 'throws',
    'grant evict': 'I -@5#3 | evicted',
    abort: 'I -@5#3',
  },
};

const REACHABLE: readonly StateLabel[] = [
  'M*',
  'M',
  'E',
  'S',
  'I',
  'IS_D',
  'SM_D',
  'IM_D',
  'M*D_D',
  'MD_D',
  'ID_D',
  'M*I_A',
  'SI_A',
  'II_A',
];

const labelOf = (line: Line): string => lineStateName(line).replace(/^M/, line.dirty ? 'M*' : 'M');

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Applies events in order; the outcome of each, formatted as in the table. */
function run(line: Line, ...events: LineEvent[]): { line: Line; trace: string[] } {
  const trace: string[] = [];
  for (const e of events) {
    trace.push(outcome(line, e));
    line = stepLine(line, e).line;
  }
  return { line, trace };
}

describe('stepLine transition table', () => {
  const labels = HELD.flatMap((h) =>
    PENDING.map((p) => ({ label: `${h}${p}` as StateLabel, line: () => lineIn(h, p) })),
  );
  const events = Object.keys(EVENTS) as EventLabel[];

  it('lists every state × event pair', () => {
    expect(Object.keys(TABLE).sort()).toEqual(labels.map((l) => l.label).sort());
    const covered = labels.reduce((n, { label }) => n + events.filter((e) => TABLE[label][e] !== undefined).length, 0);
    expect(covered).toBe(labels.length * events.length);
    expect(covered).toBe(25 * 17);
  });

  it('gives exactly the listed outcome for every pair, without touching its input', () => {
    const wrong: string[] = [];
    for (const { label, line } of labels) {
      expect(labelOf(line())).toBe(label);
      for (const e of events) {
        const got = outcome(deepFreeze(line()), deepFreeze(EVENTS[e]));
        if (got !== TABLE[label][e]) wrong.push(`${label} + ${e}: expected '${TABLE[label][e]}', got '${got}'`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reaches from an empty line exactly the states marked reachable', () => {
    // Breadth-first over every event; a write-back completion is tried with the line's own count and an older one.
    const seen = new Map<string, Line>([[labelOf(INVALID_LINE), INVALID_LINE]]);
    const queue = [INVALID_LINE];
    while (queue.length > 0) {
      const line = queue.shift()!;
      for (const e of Object.values<LineEvent>(EVENTS)) {
        const event: LineEvent =
          e.type === 'writeBackDone'
            ? { type: 'writeBackDone', writes: e.writes === 3 ? line.writes : line.writes - 1 }
            : e;
        if (outcome(line, event) === 'throws') continue;
        const next = stepLine(line, event).line;
        if (!seen.has(labelOf(next))) {
          seen.set(labelOf(next), next);
          queue.push(next);
        }
      }
    }
    expect([...seen.keys()].sort()).toEqual([...REACHABLE].sort());
  });
});

// The fixes found by the simulation (mesi-simulation.spec.ts), step by step.
describe('stepLine scenarios', () => {
  it('finishes an eviction on its own write-back, not on an earlier flush of the same data, and tells the home once', () => {
    const dirty = lineIn('M*', '');
    const { trace } = run(
      dirty,
      EVENTS.flush,
      EVENTS.evict,
      { type: 'writeBackDone', writes: 3 },
      { type: 'writeBackDone', writes: 4 },
      EVENTS['grant evict'],
    );
    expect(trace).toEqual([
      'M* v@5#3 | wb:v@5#3',
      'M*I_A v@5#4 | wb:v@5#4',
      // The flush's completion: before the fix it finished the eviction, and the eviction's own completion sent a second notice.
      'M*I_A v@5#4',
      'II_A -@5#4 | req:evict',
      'I -@5#4 | evicted',
    ]);
  });

  it('ignores a flush completing after a clean eviction has told the home', () => {
    const dirty = lineIn('M*', '');
    const { trace } = run(dirty, EVENTS.flush, EVENTS.flush, { type: 'writeBackDone', writes: 3 }, EVENTS.evict, {
      type: 'writeBackDone',
      writes: 3,
    });
    expect(trace.slice(3)).toEqual(['II_A -@5#4 | req:evict', 'II_A -@5#4']);
  });

  it('waits for its own write-back when a forward takes the data of a line being evicted', () => {
    const { trace } = run(
      lineIn('M*', ''),
      EVENTS.evict,
      EVENTS['fwd invalidate'],
      { type: 'writeBackDone', writes: 4 },
      EVENTS['grant evict'],
    );
    expect(trace).toEqual([
      'M*I_A v@5#4 | wb:v@5#4',
      'II_A -@5#4 | reply:M* v@5',
      'II_A -@5#4 | req:evict',
      'I -@5#4 | evicted',
    ]);
  });

  it('drops a clean copy when a delete starts, so an aborted delete leaves no stale copy behind', () => {
    // The home forgets the requester and deletes memory before its grant; a kept S copy would outlive an abort.
    for (const held of ['M', 'E', 'S'] as const) {
      expect(run(lineIn(held, ''), EVENTS.delete, EVENTS.abort).trace).toEqual(['ID_D -@5#3 | req:del', 'I -@5#3']);
    }
  });

  it('keeps dirty data while its delete is pending, but gives it all up to a downgrade', () => {
    const { trace } = run(lineIn('M*', ''), EVENTS.delete, EVENTS['fwd downgrade'], EVENTS['grant delete absent']);
    expect(trace).toEqual(['M*D_D v@5#3 | req:del', 'ID_D -@5#3 | reply:M* v@5', 'I -@5#3 | delete:absent, unblock']);
  });

  it('keeps dirty data Modified when a delete or an eviction is aborted', () => {
    expect(run(lineIn('M*', ''), EVENTS.delete, EVENTS.abort).line).toEqual(lineIn('M*', ''));
    expect(run(lineIn('M*', ''), EVENTS.evict, EVENTS.abort).line).toEqual({ ...lineIn('M*', ''), writes: 4 });
  });
});

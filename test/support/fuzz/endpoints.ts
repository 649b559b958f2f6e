import fc from 'fast-check';
import {
  deepNest,
  jsonContentType,
  malformedJson,
  oddKey,
  oddNumber,
  oddString,
  otherContentType,
  pathSegment,
  querySuffix,
  smallTree,
  tooLong,
  wrongType,
} from './arbitraries.js';
import { BigString, RawJson, toJsonText, type Tree } from './json-text.js';

// Every route of the HTTP API (libs/*/src/*.controller.ts and the daemon's own
// health/cluster/metrics), with, per body field, values that pass validation
// and values that must not. A generated request names the fixtures by
// placeholder ($$RES$$ …); they are resolved just before sending, so the same
// counterexample works whatever topic or receipt the fixtures have now.

export type Role = 'lock' | 'queue' | 'cache';
export const ROLES: readonly Role[] = ['lock', 'queue', 'cache'];
export const NODES = ['node1', 'node2', 'node3'] as const;

/** Placeholders for the fixtures' names (see state.ts for what each stands for). */
export const P = {
  resource: '$$RES$$',
  free: '$$FREE$$',
  owner: '$$OWNER$$',
  topic: '$$TOPIC$$',
  live: '$$LIVE$$',
  stale: '$$STALE$$',
  key: '$$KEY$$',
  absent: '$$ABSENT$$',
} as const;

/** 1 MiB, the body limit of libs/http/src/limits.ts (not imported: the test must not trust the code it checks). */
const BODY_LIMIT = 1024 * 1024;

interface Field {
  /** Values that pass validation (the fixtures' names among them). */
  readonly valid: fc.Arbitrary<Tree>;
  /** Values just past a documented limit, or otherwise invalid for this field only. */
  readonly bad: fc.Arbitrary<Tree>;
}

export interface EndpointSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `{}` stands for the path parameter. */
  readonly path: string;
  /** Which daemons serve it; `any` for the routes every daemon has. */
  readonly role: Role | 'any';
  readonly param?: fc.Arbitrary<string>;
  readonly fields?: Readonly<Record<string, Field>>;
  /** A read (or a flush): even a 2xx must leave the observable state as it was. */
  readonly readOnly: boolean;
}

export type Body =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly contentType: string; readonly tree: Tree }
  | { readonly kind: 'text'; readonly contentType: string; readonly text: string };

export interface GeneratedRequest {
  readonly role: Role;
  readonly node: (typeof NODES)[number];
  readonly method: string;
  /** With placeholders. */
  readonly path: string;
  readonly body: Body;
}

export const specName = (s: EndpointSpec): string =>
  `${s.method} ${s.path.replace('{}', s.role === 'lock' ? ':resource' : s.role === 'queue' ? ':topic' : ':key')}`;

// ---- field values ------------------------------------------------------------

const text = (max: number, ...known: string[]): fc.Arbitrary<Tree> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: oddString.filter((s) => s.length >= 1 && s.length <= max) },
  );
const badText = (max: number): fc.Arbitrary<Tree> => fc.oneof(fc.constant<Tree>(''), tooLong(max));
const ms = (valid: number[], bad: Tree[]): Field => ({
  valid: fc.constantFrom<Tree>(...valid),
  bad: fc.constantFrom<Tree>(...bad),
});
/** An array of `n` zeros, written compactly. */
const manyZeros = (n: number): Tree => new RawJson(`[${Array(n).fill('0').join(',')}]`);

const resource: Field = { valid: text(256, P.resource, P.resource, P.free), bad: badText(256) };
const owner: Field = { valid: text(128, P.owner, 'fz-other'), bad: badText(128) };
const requestId: Field = { valid: fc.oneof(fc.constant<Tree>('fz-rid'), fc.uuid()), bad: badText(128) };
const ttlMs = ms([100, 1000, 30_000, 3_600_000], [99, 0, -1, 3_600_001, 1e9, 100.5, '1000', new RawJson('1e400')]);

const TOPIC_CHARS = /^[A-Za-z0-9._-]{1,20}$/;
const topic: Field = {
  valid: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Tree>(P.topic) },
    { weight: 1, arbitrary: fc.stringMatching(TOPIC_CHARS) },
  ),
  bad: fc.oneof(
    fc.constantFrom<Tree>('', 'a b', '{t}', 'ü', 't/x', `${P.topic}{`, `${P.topic} `, 't\u0000'),
    fc.constant<Tree>(new BigString(129, 'a')),
  ),
};
const receipt: Field = {
  valid: fc.constantFrom<Tree>(P.live, P.stale, 'fz-no-such-receipt'),
  bad: fc.oneof(fc.constant<Tree>(''), tooLong(256)),
};
const MAX_MESSAGE = 256 * 1024;
const message: Field = {
  valid: fc.oneof(smallTree, fc.constantFrom<Tree>(new RawJson('1e400'), new RawJson('-0'), null)),
  bad: fc.oneof(deepNest, fc.constantFrom<Tree>(new BigString(MAX_MESSAGE), new BigString(MAX_MESSAGE / 2, 'é'))),
};

const LOCK_FIELDS = { resource, owner, requestId };
const QUEUE_DELAY = ms([0, 1000], [-1, 7 * 24 * 3600 * 1000 + 1, 1.5, '0', 1e20]);

// ---- the routes ----------------------------------------------------------------

const lockParam = pathSegment([P.resource, P.free], [256]);
const topicParam = pathSegment([P.topic], [128]);
const keyParam = pathSegment([P.key, P.absent], [512]);

export const ENDPOINTS: readonly EndpointSpec[] = [
  {
    method: 'POST',
    path: '/lock/acquire',
    role: 'lock',
    readOnly: false,
    fields: {
      ...LOCK_FIELDS,
      mode: {
        valid: fc.constantFrom<Tree>('exclusive', 'shared'),
        bad: fc.constantFrom<Tree>('EXCLUSIVE', 'both', '', 'shared ', 'read'),
      },
      ttlMs,
      waitMs: ms([0, 1, 50], [-1, 60_001, 1e12, 0.5, '0']),
    },
  },
  { method: 'POST', path: '/lock/release', role: 'lock', readOnly: false, fields: LOCK_FIELDS },
  { method: 'POST', path: '/lock/renew', role: 'lock', readOnly: false, fields: { ...LOCK_FIELDS, ttlMs } },
  { method: 'GET', path: '/lock/{}', role: 'lock', readOnly: true, param: lockParam },

  {
    method: 'POST',
    path: '/queue/publish',
    role: 'queue',
    readOnly: false,
    fields: {
      topic,
      message,
      messages: {
        valid: fc.array(smallTree, { minLength: 1, maxLength: 3 }),
        // One bad message among good ones: nothing of the batch may be published.
        bad: fc.oneof(
          fc.constantFrom<Tree>([], manyZeros(1001), 'x', {}),
          fc.tuple(smallTree, message.bad).map(([ok, bad]): Tree => [ok, bad]),
        ),
      },
      delayMs: QUEUE_DELAY,
      dedupId: { valid: fc.oneof(fc.constant<Tree>('fz-dedup'), fc.uuid()), bad: badText(128) },
      // A valid group with a valid delayMs is refused too (400); a valid older fence is 409 FENCED: neither changes anything.
      group: {
        valid: fc.constantFrom<Tree>('fz-g', 'g.1', 'a:b_c-d'),
        bad: fc.oneof(fc.constantFrom<Tree>('a b', 'x{y}', 'é', 5), badText(128)),
      },
      priority: { valid: fc.integer({ min: 0, max: 9 }), bad: fc.constantFrom<Tree>(-1, 10, 1.5, '4', 1e20) },
      fence: {
        valid: fc.integer({ min: 1, max: 9 }).map((token): Tree => ({ token })),
        bad: fc.constantFrom<Tree>({ token: 0 }, { token: -2 }, { token: 1.5 }, { token: '3' }, {}, 7, {
          token: 1,
          holder: 'x',
        }),
      },
    },
  },
  {
    method: 'POST',
    path: '/queue/consume',
    role: 'queue',
    readOnly: false,
    fields: {
      topic,
      max: ms([1, 2], [0, 1001, -1, 1.5, '1']),
      visibilityMs: ms([100, 30_000], [99, 0, 12 * 3600 * 1000 + 1, 1.5]),
      waitMs: ms([0, 10], [-1, 20_001, 0.5, '0']),
    },
  },
  {
    method: 'POST',
    path: '/queue/ack',
    role: 'queue',
    readOnly: false,
    fields: {
      topic,
      receipt,
      receipts: {
        valid: fc.constantFrom<Tree>([P.live], [P.stale, P.live], [P.stale]),
        // A live receipt next to a bad one: the live one must not be acked.
        bad: fc.oneof(
          fc.constantFrom<Tree>([], 'x', {}, new RawJson(`[${Array(1001).fill(`"${P.stale}"`).join(',')}]`)),
          fc.tuple(fc.oneof(wrongType, receipt.bad)).map(([bad]): Tree => [P.live, bad]),
        ),
      },
    },
  },
  {
    method: 'POST',
    path: '/queue/nack',
    role: 'queue',
    readOnly: false,
    fields: { topic, receipt, delayMs: QUEUE_DELAY },
  },
  {
    method: 'POST',
    path: '/queue/extend',
    role: 'queue',
    readOnly: false,
    fields: { topic, receipt, visibilityMs: ms([100, 60_000], [99, 0, 12 * 3600 * 1000 + 1, 1.5]) },
  },
  { method: 'GET', path: '/queue/{}', role: 'queue', readOnly: true, param: topicParam },
  { method: 'GET', path: '/queue/{}/dead', role: 'queue', readOnly: true, param: topicParam },
  { method: 'POST', path: '/queue/{}/dead/redrive', role: 'queue', readOnly: false, param: topicParam },

  {
    method: 'PUT',
    path: '/cache/{}',
    role: 'cache',
    readOnly: false,
    param: keyParam,
    fields: {
      // Any JSON value is a valid value; the bad ones are too big (512 KiB of JSON) or too deep.
      value: {
        valid: smallTree,
        bad: fc.oneof(deepNest, fc.constantFrom<Tree>(new BigString(512 * 1024), new BigString(200 * 1024, '😀'))),
      },
    },
  },
  { method: 'GET', path: '/cache/{}', role: 'cache', readOnly: true, param: keyParam },
  { method: 'DELETE', path: '/cache/{}', role: 'cache', readOnly: false, param: keyParam },
  { method: 'GET', path: '/cache/{}/coherence', role: 'cache', readOnly: true, param: keyParam },
  // On the known key (a JSON object) an increment is refused and must change nothing; on the absent one it creates a counter.
  {
    method: 'POST',
    path: '/cache/{}/incr',
    role: 'cache',
    readOnly: false,
    param: keyParam,
    fields: {
      by: ms(
        [1, -5, 0, Number.MAX_SAFE_INTEGER],
        [1.5, '1', null, Number.MAX_SAFE_INTEGER + 2, new RawJson('1e400'), true],
      ),
    },
  },
  // A flush writes back, it never changes a value: checked like a read.
  { method: 'POST', path: '/cache/flush', role: 'cache', readOnly: true },

  { method: 'GET', path: '/health', role: 'any', readOnly: true },
  { method: 'GET', path: '/ready', role: 'any', readOnly: true },
  { method: 'GET', path: '/cluster', role: 'any', readOnly: true },
  { method: 'GET', path: '/metrics', role: 'any', readOnly: true },
];

// ---- bodies ----------------------------------------------------------------------

/**
 * A body object, half the time with each field independently valid, invalid,
 * of a wrong type or missing (plus now and then unknown fields), half the time
 * valid except for exactly one thing (so each field's bad values are tested
 * alone, not masked by an earlier bad field) or entirely valid (then a 2xx, or
 * a 404/409 on the fixtures, is fine and the fixtures are checked or rebuilt).
 */
function fieldsObject(fields: Readonly<Record<string, Field>>): fc.Arbitrary<Tree> {
  const names = Object.keys(fields);
  const perField = names.map((name) =>
    fc.oneof(
      { weight: 4, arbitrary: fields[name]!.valid.map((v): [string, Tree][] => [[name, v]]) },
      { weight: 2, arbitrary: fields[name]!.bad.map((v): [string, Tree][] => [[name, v]]) },
      { weight: 2, arbitrary: wrongType.map((v): [string, Tree][] => [[name, v]]) },
      { weight: 1, arbitrary: fc.constant<[string, Tree][]>([]) },
    ),
  );
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant<[string, Tree][]>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(oddKey, smallTree), { maxLength: 2 }) },
  );
  // Object.fromEntries makes "__proto__" an own key, so it reaches the JSON text.
  const independent = fc
    .tuple(fc.tuple(...perField), extras)
    .map(([chosen, extra]): Tree => Object.fromEntries([...chosen.flat(), ...extra]));

  const choices = fc.tuple(
    ...names.map((name) => fc.record({ valid: fields[name]!.valid, bad: fields[name]!.bad, wrong: wrongType })),
  );
  const how = fc.constantFrom('bad', 'bad', 'bad', 'wrong', 'wrong', 'drop', 'extra', 'none', 'none');
  const oneOff = fc
    .tuple(choices, fc.nat({ max: names.length - 1 }), how, fc.tuple(oddKey, smallTree))
    .map(([values, target, mutation, extra]): Tree => {
      const entries: [string, Tree][] = [];
      names.forEach((name, i) => {
        const v = values[i]!;
        if (i !== target || mutation === 'none' || mutation === 'extra') entries.push([name, v.valid]);
        else if (mutation !== 'drop') entries.push([name, mutation === 'bad' ? v.bad : v.wrong]);
      });
      if (mutation === 'extra') entries.push(extra);
      return Object.fromEntries(entries);
    });
  return fc.oneof(independent, oneOff);
}

/** Adds a string big enough to push the body past 1 MiB. */
const oversize = (obj: fc.Arbitrary<Tree>): fc.Arbitrary<Tree> =>
  fc
    .tuple(obj, fc.integer({ min: 1, max: 64 * 1024 }), fc.constantFrom('value', 'message', 'owner', 'zz'))
    .map(([o, extra, name]): Tree => ({
      ...(o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, Tree>) : {}),
      [name]: new BigString(BODY_LIMIT + extra),
    }));

function bodyFor(spec: EndpointSpec): fc.Arbitrary<Body> {
  const json = (tree: fc.Arbitrary<Tree>): fc.Arbitrary<Body> =>
    fc.tuple(jsonContentType, tree).map(([contentType, t]) => ({ kind: 'json', contentType, tree: t }));
  const obj = spec.fields
    ? fieldsObject(spec.fields)
    : fc.dictionary(oddKey, smallTree, { maxKeys: 3 }).map((d): Tree => d);
  const nonObject = fc.oneof(
    smallTree.filter((t) => t === null || typeof t !== 'object' || Array.isArray(t)),
    deepNest,
    oddNumber,
  );
  const malformed = fc
    .tuple(jsonContentType, malformedJson)
    .map(([contentType, t]): Body => ({ kind: 'text', contentType, text: t }));
  const wrongContentType = fc
    .tuple(otherContentType, fc.oneof(obj.map(toJsonText), malformedJson, fc.constant('a=b&resource=x')))
    .map(([contentType, t]): Body => ({ kind: 'text', contentType, text: t }));
  const none = fc.constant<Body>({ kind: 'none' });
  if (spec.fields) {
    return fc.oneof(
      { weight: 10, arbitrary: json(obj) },
      { weight: 2, arbitrary: malformed },
      { weight: 2, arbitrary: wrongContentType },
      { weight: 2, arbitrary: json(nonObject) },
      { weight: 1, arbitrary: none },
      { weight: 1, arbitrary: json(oversize(obj)) },
    );
  }
  // Routes without a body: usually none, sometimes junk (Fastify still parses it).
  return fc.oneof(
    { weight: 8, arbitrary: none },
    { weight: 1, arbitrary: malformed },
    { weight: 1, arbitrary: wrongContentType },
    { weight: 1, arbitrary: json(obj) },
    { weight: 1, arbitrary: json(oversize(obj)) },
  );
}

/** Requests for one endpoint, sent to any node of its role (so forwarding is fuzzed too). */
export function requestsFor(spec: EndpointSpec): fc.Arbitrary<GeneratedRequest> {
  const role = spec.role === 'any' ? fc.constantFrom(...ROLES) : fc.constant(spec.role);
  const param = spec.param ?? fc.constant('');
  return fc
    .record({ role, node: fc.constantFrom(...NODES), param, query: querySuffix, body: bodyFor(spec) })
    .map(({ role: r, node, param: p, query, body }) => ({
      role: r,
      node,
      method: spec.method,
      // A function, not a string: `$$` in a replacement string means `$`, which would eat the placeholders.
      path: spec.path.replace('{}', () => p) + query,
      body,
    }));
}

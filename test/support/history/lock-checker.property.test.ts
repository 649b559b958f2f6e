import fc from 'fast-check';
import { checkLockHistory, formatLockViolations, type CertainHold } from './lock-checker.js';
import type { HistoryOp } from './history-types.js';
import { simulateLockHistory, type SimStep } from './lock-simulation.js';
import { toJsonLines } from './history-io.js';

const step: fc.Arbitrary<SimStep> = fc.record({
  client: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom('acquire', 'acquire', 'release', 'renew'),
  resource: fc.integer({ min: 0, max: 1 }),
  mode: fc.constantFrom('exclusive', 'shared'),
  ttlMs: fc.integer({ min: 5, max: 60 }),
  delay: fc.integer({ min: 0, max: 10 }),
  toApply: fc.integer({ min: 0, max: 6 }),
  toReply: fc.integer({ min: 0, max: 6 }),
  fate: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'lostRequest', 'lostReply'),
});
const steps = fc.array(step, { minLength: 1, maxLength: 60 });
const lateness = fc.constantFrom(0, 0, 3, 40);

const report = (history: readonly HistoryOp[], violations: string): string =>
  `${violations}\n--- history ---\n${toJsonLines(history)}`;

const isGrant = (op: HistoryOp): op is HistoryOp & { value: { fencingToken: number } } =>
  op.op === 'acquire' &&
  op.outcome === 'ok' &&
  typeof (op.value as { fencingToken?: unknown } | undefined)?.fencingToken === 'number';
const resourceOf = (op: HistoryOp): string => (op.args as { resource: string }).resource;
const ownerOf = (op: HistoryOp): string => (op.args as { owner: string }).owner;
const tokenOf = (op: HistoryOp): number => (op.value as { fencingToken: number }).fencingToken;
const withToken = (op: HistoryOp, fencingToken: number): HistoryOp => ({
  ...op,
  value: { ...(op.value as object), fencingToken },
});

describe('lock history checker against a simulated correct lock service', () => {
  it('passes every history of a correct service (random interleavings, lost requests and replies, late expiry)', () => {
    fc.assert(
      fc.property(steps, lateness, (s, late) => {
        const history = simulateLockHistory(s, { expiryLateness: late });
        const result = checkLockHistory(history);
        if (!result.ok) throw new Error(report(history, formatLockViolations(result)));
      }),
      { numRuns: 400 },
    );
  });

  it('catches one token set equal to another owner’s grant (duplicate) or below an earlier one (backwards)', () => {
    fc.assert(
      fc.property(steps, lateness, fc.nat(), fc.boolean(), (s, late, pick, duplicate) => {
        const history = simulateLockHistory(s, { expiryLateness: late });
        // b must be a grant of its own (its token unique, no earlier unknown acquire of its owner that
        // may have made the grant b only refreshed) that started after grant a completed.
        const ownGrant = (b: HistoryOp): boolean =>
          history.filter((o) => isGrant(o) && resourceOf(o) === resourceOf(b) && tokenOf(o) === tokenOf(b)).length ===
            1 &&
          !history.some(
            (o) =>
              o.op === 'acquire' &&
              o.outcome !== 'ok' &&
              o.outcome !== 'fail' &&
              resourceOf(o) === resourceOf(b) &&
              ownerOf(o) === ownerOf(b) &&
              o.invokedAt < b.invokedAt,
          );
        const pairs = history
          .filter(isGrant)
          .flatMap((a) =>
            history
              .filter(
                (b) =>
                  isGrant(b) &&
                  resourceOf(b) === resourceOf(a) &&
                  ownerOf(b) !== ownerOf(a) &&
                  (a.completedAt as number) < b.invokedAt &&
                  ownGrant(b),
              )
              .map((b) => [a, b] as const),
          );
        fc.pre(pairs.length > 0);
        const [a, b] = pairs[pick % pairs.length] as readonly [HistoryOp, HistoryOp];
        const mutated = history.map((op) => (op === b ? withToken(op, duplicate ? tokenOf(a) : tokenOf(a) - 0.5) : op));
        const result = checkLockHistory(mutated);
        const expected = duplicate ? 'duplicate-token' : 'token-order';
        if (!result.violations.some((v) => v.kind === expected))
          throw new Error(report(mutated, `expected ${expected}, got:\n${formatLockViolations(result)}`));
      }),
      { numRuns: 300 },
    );
  });

  it('catches one exclusive grant shifted into another owner’s certain hold', () => {
    fc.assert(
      fc.property(steps, lateness, fc.nat(), (s, late, pick) => {
        const history = simulateLockHistory(s, { expiryLateness: late });
        const { holds } = checkLockHistory(history);
        // A grant b of another owner, whose token no other acquire shares (so it stays its own grant).
        const candidates = holds.flatMap((h) =>
          history
            .filter(
              (b) =>
                isGrant(b) &&
                resourceOf(b) === h.resource &&
                ownerOf(b) !== h.owner &&
                history.filter((o) => isGrant(o) && resourceOf(o) === h.resource && tokenOf(o) === tokenOf(b))
                  .length === 1,
            )
            .map((b) => [h, b] as const),
        );
        fc.pre(candidates.length > 0);
        const [h, b] = candidates[pick % candidates.length] as readonly [CertainHold, HistoryOp];
        const delta = Math.min(h.end - h.start, 1);
        const moved: HistoryOp = {
          ...b,
          invokedAt: h.start + delta / 4,
          completedAt: h.start + delta / 2,
          args: { ...(b.args as object), mode: 'exclusive' },
          value: { ...(b.value as object), mode: 'exclusive' },
        };
        // Drop b's owner's other ops on the resource that could still take effect after the move (they would end the hold).
        const mutated = history
          .filter(
            (op) =>
              op === b ||
              !(
                ['acquire', 'release', 'renew'].includes(op.op) &&
                resourceOf(op) === resourceOf(b) &&
                ownerOf(op) === ownerOf(b) &&
                (op.outcome === 'ok' || op.outcome === 'fail' ? (op.completedAt as number) : Infinity) >=
                  moved.invokedAt
              ),
          )
          .map((op) => (op === b ? moved : op));
        const result = checkLockHistory(mutated);
        const caught = result.violations.some(
          (v) =>
            (v.kind === 'exclusive-overlap' || v.kind === 'exclusive-shared-overlap') &&
            v.ops.some((op) => op.index === b.index),
        );
        if (!caught)
          throw new Error(
            report(mutated, `expected an overlap with #${b.index}, got:\n${formatLockViolations(result)}`),
          );
      }),
      { numRuns: 300 },
    );
  });
});

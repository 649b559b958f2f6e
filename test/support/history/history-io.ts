// JSON lines: one op per line, so a dumped history diffs, greps and replays well.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryOp, Outcome } from './history-types.js';

const OUTCOMES: readonly Outcome[] = ['ok', 'fail', 'unknown', 'pending'];

export function toJsonLines(history: readonly HistoryOp[]): string {
  return history.map((op) => JSON.stringify(op)).join('\n') + (history.length ? '\n' : '');
}

/** Parses what `toJsonLines` wrote, so a failing history can be re-checked in isolation. */
export function fromJsonLines(text: string): HistoryOp[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const raw: unknown = JSON.parse(line);
      if (
        !isRecord(raw) ||
        typeof raw.index !== 'number' ||
        typeof raw.process !== 'string' ||
        typeof raw.op !== 'string' ||
        typeof raw.invokedAt !== 'number' ||
        !OUTCOMES.includes(raw.outcome as Outcome)
      ) {
        throw new Error(`line ${i + 1} is not a history op: ${line}`);
      }
      const op: HistoryOp = {
        index: raw.index,
        process: raw.process,
        op: raw.op,
        args: raw.args,
        invokedAt: raw.invokedAt,
        outcome: raw.outcome as Outcome,
        ...(typeof raw.completedAt === 'number' ? { completedAt: raw.completedAt } : {}),
        ...('value' in raw ? { value: raw.value } : {}),
        ...(typeof raw.reason === 'string' ? { reason: raw.reason } : {}),
      };
      return op;
    });
}

export function readHistory(path: string): HistoryOp[] {
  return fromJsonLines(readFileSync(path, 'utf8'));
}

/**
 * Writes `history` to `<dir>/<name>-<timestamp>.jsonl` and returns the path; call it
 * when a check fails so the failure message can point at the evidence.
 */
export function dumpHistory(
  history: readonly HistoryOp[],
  name: string,
  dir = join(process.cwd(), '.dss', 'histories'),
): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name.replace(/[^\w.-]+/g, '_')}-${Date.now()}.jsonl`);
  writeFileSync(path, toJsonLines(history));
  return path;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

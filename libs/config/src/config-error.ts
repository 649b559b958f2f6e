import type { z } from 'zod';

/** One bad setting: the key as the operator wrote it, and what is wrong. */
export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
}

/** Thrown for any invalid configuration; the daemon prints it and exits non-zero. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(`invalid configuration in ${source}:\n` + problems.map((p) => `  - ${p.key}: ${p.problem}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Renders a zod path the way an operator would write it: nodes[1].ports.lock.http */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc ? `${acc}.${String(part)}` : String(part);
  }, '');
}

export function problemsFromZod(error: z.ZodError, keyOf: (path: readonly PropertyKey[]) => string): ConfigProblem[] {
  return error.issues.map((issue) => ({ key: keyOf(issue.path) || '(root)', problem: issue.message }));
}

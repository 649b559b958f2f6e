// Whether a test suite that needs something of the machine (root, network
// namespaces, sshd, redis-server, ...) runs, skips or fails. A suite the user
// ran by its own command (`npm run test:chaos`) must never report success
// without running: it fails and says what is missing. Under `npm test` such a
// suite may skip with the same message, except in CI, where .ci/run installs
// every tool, so a missing one means CI is broken.

/** Set by a suite's own command (scripts/chaos.ts) to the suite's id: the user asked for it by name. */
export const SUITE_BY_NAME_ENV = 'DSS_SUITE_BY_NAME';

export type SuiteDecision =
  | { readonly action: 'run' }
  | { readonly action: 'skip'; readonly message: string }
  | { readonly action: 'fail'; readonly message: string };

export interface SuiteCircumstances {
  /** The suite, as people call it: "chaos suite". */
  readonly suite: string;
  /** The command that runs it by name: "npm run test:chaos". */
  readonly command: string;
  /** Why it cannot run on this machine (what is missing), or undefined when it can. */
  readonly missing: string | undefined;
  /** The user ran the suite's own command. */
  readonly askedByName: boolean;
  /** Running in CI (the CI variable is set). */
  readonly ci: boolean;
}

export function decideSuite(c: SuiteCircumstances): SuiteDecision {
  if (c.missing === undefined) return { action: 'run' };
  if (c.askedByName)
    return {
      action: 'fail',
      message: `FAILED: the ${c.suite} cannot run on this machine: ${c.missing}. ${c.command} did not run it.`,
    };
  if (c.ci) return { action: 'fail', message: `FAILED: the ${c.suite} must run in CI: ${c.missing}` };
  return { action: 'skip', message: `SKIPPED: ${c.suite}: ${c.missing} (${c.command} fails instead of skipping)` };
}

/** Whether the process was started by the named suite's own command. */
export function askedByName(suiteId: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[SUITE_BY_NAME_ENV] === suiteId;
}

import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';

/** An error of dssctl itself (never of the cluster): bad flags, a bad config file, a missing key. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad flags, arguments or configuration: exit 2, nothing was sent. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}

export class NotFoundError extends CliError {
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('NOT_FOUND', message, EXIT.NOT_FOUND, details);
    this.name = 'NotFoundError';
  }
}

/** What dssctl reports for any failure: `dssctl: CODE: message` and, with --json, `{"error": {...}}`. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly exitCode: ExitCode;
  /** Extra fields of the server's error (holders, cycle, receipt, ...) and where it came from. */
  readonly details: Readonly<Record<string, unknown>>;
}

const SKIP = new Set(['code', 'message']);

/** The extra fields of an API error body `{"error": {code, message, ...}}`, when there is one. */
function bodyDetails(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  const inner = (body as { error?: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return {};
  return Object.fromEntries(Object.entries(inner).filter(([k]) => !SKIP.has(k)));
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof CliError)
    return { code: err.code, message: err.message, exitCode: err.exitCode, details: err.details };
  const exitCode = exitCodeFor(err);
  if (typeof err !== 'object' || err === null)
    return { code: 'UNEXPECTED', message: String(err), exitCode, details: {} };
  const e = err as {
    code?: unknown;
    status?: unknown;
    message?: unknown;
    body?: unknown;
    endpoint?: unknown;
    attempts?: unknown;
    name?: unknown;
  };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const code =
    exitCode === EXIT.INTERRUPTED
      ? 'INTERRUPTED'
      : typeof e.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code)
        ? e.code
        : exitCode === EXIT.UNEXPECTED
          ? 'UNEXPECTED'
          : 'ERROR';
  const own =
    typeof (e as { details?: unknown }).details === 'object' && (e as { details?: unknown }).details !== null
      ? (e as { details: Record<string, unknown> }).details
      : {};
  const details: Record<string, unknown> = { ...bodyDetails(e.body), ...own };
  if (typeof e.status === 'number') details.status = e.status;
  if (typeof e.endpoint === 'string') details.endpoint = e.endpoint;
  if (Array.isArray(e.attempts)) details.attempts = e.attempts;
  return { code, message, exitCode, details };
}

/** A short tail for the stderr line from the error's details: who holds a lock, the deadlock cycle. */
export function failureHint(details: Readonly<Record<string, unknown>>): string {
  const holders = details.holders;
  if (Array.isArray(holders) && holders.length > 0) {
    const who = holders
      .filter(
        (h): h is { owner: unknown; mode?: unknown; fencingToken?: unknown } => typeof h === 'object' && h !== null,
      )
      .map(
        (h) =>
          `${String(h.owner)}${h.mode ? ` ${String(h.mode)}` : ''}${h.fencingToken !== undefined ? ` token ${String(h.fencingToken)}` : ''}`,
      );
    return ` (held by ${who.join(', ')})`;
  }
  const cycle = details.cycle;
  if (Array.isArray(cycle) && cycle.length > 0) {
    const steps = cycle
      .filter((e): e is { owner: unknown; resource: unknown } => typeof e === 'object' && e !== null)
      .map((e) => `${String(e.owner)} waits for ${String(e.resource)}`);
    return ` (cycle: ${steps.join(' -> ')})`;
  }
  return '';
}

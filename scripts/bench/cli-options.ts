// Option parsers shared by the benchmark programs' command lines (commander).
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('must be a whole number, 0 or more');
  return n;
}

/** `host:port` (the port required), e.g. a Redis address. */
export function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at < 1 || !Number.isSafeInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError('must be host:port');
  return { host: value.slice(0, at), port };
}

/** A comma-separated list, each item one of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (bad.length > 0 || items.length === 0)
      throw new InvalidArgumentError(`must be a comma-separated list of ${allowed.join(', ')}`);
    return items as T[];
  };
}

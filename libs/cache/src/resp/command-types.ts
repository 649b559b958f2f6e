import type { ReplyWriter } from '@dss/resp';
import type { TokenAccess, TokenBook } from '@dss/http';
import type { CacheValues } from '../values/cache-values.service.js';

/** One connection's state. */
export interface Session {
  readonly id: number;
  protocol: 2 | 3;
  /** What the connection may do: undefined until AUTH when the cluster has tokens. */
  access: TokenAccess | undefined;
  name: string | undefined;
  libName: string | undefined;
  libVersion: string | undefined;
  /** QUIT: close once the replies so far are written. */
  closing: boolean;
}

/** What the node tells INFO and CLIENT about itself. */
export interface NodeFacts {
  readonly nodeId: string;
  readonly port: number;
  readonly tokens: TokenBook | undefined;
  readonly startedAt: number;
  connections(): number;
}

export interface CommandContext {
  readonly w: ReplyWriter;
  readonly session: Session;
  readonly values: CacheValues;
  readonly node: NodeFacts;
}

/**
 * A command as Redis's COMMAND describes it: `arity` counts the name (exact when positive,
 * a minimum when negative); keys are at `firstKey`..`lastKey` (negative: from the end) by `step`.
 */
export interface Command {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly ('write' | 'readonly' | 'fast' | 'noauth' | 'connection')[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  /** `args` excludes the command's name. May answer in this tick (no promise) or later. */
  run(ctx: CommandContext, args: Buffer[]): void | Promise<void>;
}

export const connectionCommand = (name: string, arity: number, run: Command['run'], noAuth = false): Command => ({
  name,
  arity,
  flags: noAuth ? ['noauth', 'connection', 'fast'] : ['connection', 'fast'],
  firstKey: 0,
  lastKey: 0,
  step: 0,
  run,
});

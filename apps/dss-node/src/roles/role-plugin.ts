import type { DynamicModule } from '@nestjs/common';
import type { NodeConfig } from '@dss/config';
import type { ApiRoute } from '@dss/http';

/** A role of the daemon: a name and the Nest module that provides it. */
export interface RolePlugin {
  readonly name: string;
  /** One line for operators: what this role serves. */
  readonly summary: string;
  module(config: NodeConfig): DynamicModule;
  /** The HTTP endpoints the module's controllers serve, for the OpenAPI document (apps/dss-node/src/openapi). */
  readonly routes: readonly ApiRoute[];
}

/**
 * What every role tells the daemon about itself: whether it can serve now
 * (GET /ready) and its own part of GET /cluster (Raft state, ring, ...).
 */
export interface RoleStatus {
  ready(): boolean | Promise<boolean>;
  describe(): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** Injection token under which each role module provides its RoleStatus. */
export const ROLE_STATUS = Symbol('ROLE_STATUS');

import { Module, type DynamicModule, type Type } from '@nestjs/common';
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

/** What differs between roles: everything else of a role module is defineRole's. */
export interface RoleDefinition {
  readonly name: string;
  readonly summary: string;
  /** The role's own module, configured for this node. */
  imports(config: NodeConfig): DynamicModule;
  /** The provider of that module that reports the role's RoleStatus. */
  readonly status: Type<RoleStatus>;
  /** The HTTP endpoints the module's controllers serve, for the OpenAPI document. */
  readonly routes: readonly ApiRoute[];
}

/** The module every role is wrapped in; a daemon runs one role, so one class serves all. */
@Module({})
class RoleModule {}

/**
 * A role as a plugin: its module, with its status provider exported as
 * ROLE_STATUS. The three roles were three copies of the same wrapper module;
 * a new role is one more definition.
 */
export function defineRole(role: RoleDefinition): RolePlugin {
  return {
    name: role.name,
    summary: role.summary,
    routes: role.routes,
    module: (config) => ({
      module: RoleModule,
      imports: [role.imports(config)],
      providers: [{ provide: ROLE_STATUS, useExisting: role.status }],
      exports: [ROLE_STATUS],
    }),
  };
}

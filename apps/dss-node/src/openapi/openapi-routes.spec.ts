import 'reflect-metadata';
import { Controller, Get, Post, RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { localClusterDescription, loadNodeConfig, type NodeConfig } from '@dss/config';
import type { ApiRoute } from '@dss/http';
import { AppModule } from '../app.module.js';
import { defaultRoleRegistry } from '../roles/default-roles.js';
import type { RolePlugin } from '../roles/role-plugin.js';
import { daemonRoutes } from './api-document.js';

// The document lists exactly the HTTP routes the daemon registers: read from
// Nest's own metadata (@Controller path + @Get/@Post/... on each handler) of
// every controller in the module tree AppModule.forRoot(config, role) builds,
// which is what NestFactory.create registers with Fastify.

type ModuleRef = Type | DynamicModule | Promise<DynamicModule> | { forwardRef: () => ModuleRef } | undefined;

function controllersOf(root: ModuleRef): Set<Type> {
  const out = new Set<Type>();
  const seen = new Set<unknown>();
  const visit = (m: ModuleRef): void => {
    if (!m || seen.has(m) || m instanceof Promise) return;
    seen.add(m);
    if (typeof m === 'function') {
      for (const c of (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, m) as Type[] | undefined) ?? []) out.add(c);
      for (const i of (Reflect.getMetadata(MODULE_METADATA.IMPORTS, m) as ModuleRef[] | undefined) ?? []) visit(i);
    } else if ('forwardRef' in m) {
      visit(m.forwardRef());
    } else {
      visit(m.module);
      for (const c of m.controllers ?? []) out.add(c);
      for (const i of m.imports ?? []) visit(i as ModuleRef);
    }
  };
  visit(root);
  return out;
}

const paths = (v: unknown): string[] => (Array.isArray(v) ? v : [v ?? '']).map(String);

/** "GET /lock/{resource}" for every HTTP handler of the controllers (message handlers have no METHOD_METADATA). */
function registeredRoutes(controllers: Iterable<Type>): string[] {
  const out: string[] = [];
  for (const c of controllers) {
    for (const base of paths(Reflect.getMetadata(PATH_METADATA, c))) {
      const proto = c.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = name === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(proto, name)?.value;
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const sub of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
          const full = `/${[base, sub]
            .map((s) => s.replace(/^\/+|\/+$/g, ''))
            .filter(Boolean)
            .join('/')}`;
          out.push(`${RequestMethod[method]} ${full.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
        }
      }
    }
  }
  return out.sort();
}

const documented = (routes: readonly ApiRoute[]): string[] =>
  routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();

function configFor(role: string): NodeConfig {
  const cluster = { ...localClusterDescription(), security: { peerAuth: 'none' as const } };
  return loadNodeConfig({ DSS_NODE_ID: 'node1', DSS_ROLE: role, DSS_CLUSTER_FILE: '/c.json' }, () =>
    JSON.stringify(cluster),
  );
}

/** What differs between the routes a daemon of `role` registers and its document: [undocumented, documented but absent]. */
function drift(role: RolePlugin, controllers: Iterable<Type>): [string[], string[]] {
  const real = registeredRoutes(controllers);
  const doc = documented(daemonRoutes(role));
  return [real.filter((r) => !doc.includes(r)), doc.filter((r) => !real.includes(r))];
}

describe('the OpenAPI document against the routes Nest registers', () => {
  const registry = defaultRoleRegistry();

  it.each(registry.names)('documents every HTTP route of a %s daemon, and no other', (name) => {
    const role = registry.resolve(name);
    const controllers = controllersOf(AppModule.forRoot(configFor(name), role));
    expect(registeredRoutes(controllers)).toEqual(
      expect.arrayContaining(['GET /health', 'GET /metrics', 'GET /openapi.json']),
    );
    expect(drift(role, controllers)).toEqual([[], []]);
  });

  it('notices an undocumented route, and a documented one that is gone', () => {
    @Controller('lock')
    class Extra {
      @Post('steal')
      steal() {}
      @Get(':resource/history')
      history() {}
    }
    const role = registry.resolve('lock');
    const controllers = [...controllersOf(AppModule.forRoot(configFor('lock'), role))];
    expect(drift(role, [...controllers, Extra])).toEqual([['GET /lock/{resource}/history', 'POST /lock/steal'], []]);
    const [undocumented, absent] = drift(
      role,
      controllers.filter((c) => c.name !== 'LockController'),
    );
    expect([undocumented, absent]).toEqual([
      [],
      [
        'GET /lock',
        'GET /lock/{resource}',
        'POST /lock/acquire',
        'POST /lock/acquire-set',
        'POST /lock/release',
        'POST /lock/release-set',
        'POST /lock/renew',
        'POST /lock/renew-set',
      ],
    ]);
  });
});

import { Test } from '@nestjs/testing';
import { Module } from '@nestjs/common';
import { defaultRoleRegistry } from './default-roles.js';
import { defineRole, ROLE_STATUS, type RolePlugin, type RoleStatus } from './role-plugin.js';
import { RoleRegistry, UnknownRoleError } from './role-registry.js';
import type { NodeConfig } from '@dss/config';

describe('RoleRegistry', () => {
  it('ships the lock, queue and cache roles', () => {
    expect(defaultRoleRegistry().names).toEqual(['lock', 'queue', 'cache']);
  });

  it('refuses an unknown role with a message naming it and the known ones', () => {
    const err = (() => {
      try {
        defaultRoleRegistry().resolve('locks');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownRoleError);
    expect((err as Error).message).toBe('unknown role "locks" (DSS_ROLE); this daemon knows: lock, queue, cache');
  });

  it('refuses to register a role name twice', () => {
    const plugin = defaultRoleRegistry().resolve('lock');
    expect(() => new RoleRegistry([plugin, plugin])).toThrow('role "lock" is registered twice');
  });

  it('adds a role by registering a plugin whose module provides ROLE_STATUS', async () => {
    const status: RoleStatus = { ready: () => false, describe: () => ({ search: 'index warming' }) };
    @Module({ providers: [{ provide: ROLE_STATUS, useValue: status }], exports: [ROLE_STATUS] })
    class SearchModule {}
    const search: RolePlugin = {
      name: 'search',
      summary: 'test role',
      module: () => ({ module: SearchModule }),
      routes: [],
    };
    const registry = defaultRoleRegistry().register(search);

    const resolved = registry.resolve('search');
    const mod = await Test.createTestingModule({ imports: [resolved.module({} as NodeConfig)] }).compile();
    expect(await mod.get<RoleStatus>(ROLE_STATUS).describe()).toEqual({ search: 'index warming' });
  });

  it('defines a role from its module and the provider of its status (defineRole)', async () => {
    class SearchStatus implements RoleStatus {
      ready(): boolean {
        return true;
      }
      describe(): Record<string, unknown> {
        return { search: 'ready' };
      }
    }
    @Module({ providers: [SearchStatus], exports: [SearchStatus] })
    class SearchModule {}
    const search = defineRole({
      name: 'search',
      summary: 'test role',
      imports: () => ({ module: SearchModule }),
      status: SearchStatus,
      routes: [],
    });
    expect(search).toMatchObject({ name: 'search', summary: 'test role' });
    const mod = await Test.createTestingModule({ imports: [search.module({} as NodeConfig)] }).compile();
    expect(await mod.get<RoleStatus>(ROLE_STATUS).describe()).toEqual({ search: 'ready' });
  });

  it.each(['lock', 'queue', 'cache'])('gives the %s role a dynamic module that exports its status', (role) => {
    const config = { self: { id: 'node1' }, settings: {}, cluster: { nodes: [] }, peers: [] } as unknown as NodeConfig;
    const mod = defaultRoleRegistry().resolve(role).module(config);
    expect(mod.exports).toContain(ROLE_STATUS);
    expect(mod.providers).toContainEqual(expect.objectContaining({ provide: ROLE_STATUS }));
  });
});

import type { RolePlugin } from './role-plugin.js';

export class UnknownRoleError extends Error {
  constructor(
    readonly role: string,
    readonly known: readonly string[],
  ) {
    super(`unknown role "${role}" (DSS_ROLE); this daemon knows: ${known.join(', ')}`);
    this.name = 'UnknownRoleError';
  }
}

/** Maps role names to their plugins; adding a role is registering one more plugin. */
export class RoleRegistry {
  private readonly plugins = new Map<string, RolePlugin>();

  constructor(plugins: readonly RolePlugin[] = []) {
    plugins.forEach((p) => this.register(p));
  }

  register(plugin: RolePlugin): this {
    if (this.plugins.has(plugin.name)) throw new Error(`role "${plugin.name}" is registered twice`);
    this.plugins.set(plugin.name, plugin);
    return this;
  }

  get names(): string[] {
    return [...this.plugins.keys()];
  }

  resolve(role: string): RolePlugin {
    const plugin = this.plugins.get(role);
    if (!plugin) throw new UnknownRoleError(role, this.names);
    return plugin;
  }
}

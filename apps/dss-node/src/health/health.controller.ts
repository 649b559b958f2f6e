import { Controller, Get, Inject } from '@nestjs/common';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { ApiError } from '@dss/http';
import { ShutdownService } from '../lifecycle/shutdown.service.js';
import { ROLE_STATUS, type RoleStatus } from '../roles/role-plugin.js';

@Controller()
export class HealthController {
  constructor(
    @Inject(DSS_CONFIG) private readonly config: NodeConfig,
    @Inject(ROLE_STATUS) private readonly role: RoleStatus,
    private readonly shutdown: ShutdownService,
  ) {}

  /** Alive: the process answers HTTP. */
  @Get('health')
  health() {
    return {
      status: 'ok',
      node: this.config.self.id,
      role: this.config.settings.role,
      pid: process.pid,
      uptimeS: Math.round(process.uptime()),
    };
  }

  /** Can serve now: not draining, and the role says it is ready. */
  @Get('ready')
  async ready() {
    if (this.shutdown.draining) throw new ApiError('UNAVAILABLE', 'shutting down');
    if (!(await this.role.ready()))
      throw new ApiError('UNAVAILABLE', `the ${this.config.settings.role} service is not ready yet`);
    return { ready: true, node: this.config.self.id, role: this.config.settings.role };
  }
}

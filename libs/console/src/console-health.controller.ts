import { Controller, Get, Inject } from '@nestjs/common';
import type { ConsoleConfig } from '@dss/config/pure';
import { CONSOLE_CONFIG } from './daemon-client.service.js';

/** The probes every DSS process answers (docs/api.md), for PM2, Ansible and load balancers. */
@Controller()
export class ConsoleHealthController {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  @Get('health')
  health() {
    return {
      status: 'ok',
      node: this.config.self.id,
      role: 'console',
      pid: process.pid,
      uptimeS: Math.round(process.uptime()),
    };
  }

  /** The console is ready once it serves: the daemons it shows may come and go, and it shows that. */
  @Get('ready')
  ready() {
    return { ready: true, node: this.config.self.id, role: 'console' };
  }
}

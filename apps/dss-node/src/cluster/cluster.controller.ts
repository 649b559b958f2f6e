import { Controller, Get, Inject } from '@nestjs/common';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';
import { PeerStatusService } from '@dss/transport';
import { ROLE_STATUS, type RoleStatus } from '../roles/role-plugin.js';

/** GET /cluster: this node, its peers of the same role pinged right now, and the role's own state. */
@Controller('cluster')
export class ClusterController {
  constructor(
    @Inject(DSS_CONFIG) private readonly config: NodeConfig,
    @Inject(ROLE_STATUS) private readonly role: RoleStatus,
    private readonly peers: PeerStatusService,
  ) {}

  @Get()
  async status() {
    const [peers, role] = await Promise.all([this.peers.pingAll(), this.role.describe()]);
    const { self, settings } = this.config;
    return {
      cluster: this.config.cluster.name,
      role: settings.role,
      node: { id: self.id, host: self.host, httpPort: self.httpPort, peerPort: self.peerPort },
      peers,
      ...role,
    };
  }
}

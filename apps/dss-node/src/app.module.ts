import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule, type NodeConfig } from '@dss/config';
import { ApiAuthModule, ApiExceptionFilter } from '@dss/http';
import { MetricsModule } from '@dss/metrics';
import { TransportModule } from '@dss/transport';
import { ClusterController } from './cluster/cluster.controller.js';
import { HealthController } from './health/health.controller.js';
import { apiDocument, daemonRoutes } from './openapi/api-document.js';
import { OPENAPI_JSON, OpenApiController } from './openapi/openapi.controller.js';
import { ShutdownService } from './lifecycle/shutdown.service.js';
import type { RolePlugin } from './roles/role-plugin.js';

/** The daemon: shared infrastructure plus exactly one role plugin. */
@Module({})
export class AppModule {
  static forRoot(config: NodeConfig, role: RolePlugin): DynamicModule {
    const { self, settings, peers } = config;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule.forRoot({ node: self.id, role: settings.role }),
        TransportModule.forRoot({
          selfId: self.id,
          role: settings.role,
          peers,
          clusterNodeIds: config.cluster.nodes.map((n) => n.id),
          timeoutMs: settings.peerTimeoutMs,
          bindHost: settings.bindHost,
          port: self.peerPort,
          ...(config.peerTls ? { tls: config.peerTls } : {}),
        }),
        ApiAuthModule.forRoot(config.apiTokens),
        role.module(config),
      ],
      controllers: [HealthController, ClusterController, OpenApiController],
      providers: [
        ShutdownService,
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        // Built once here, not per request.
        { provide: OPENAPI_JSON, useValue: JSON.stringify(apiDocument(daemonRoutes(role), role.name)) },
      ],
    };
  }
}

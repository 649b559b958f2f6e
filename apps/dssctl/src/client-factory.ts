import { DssClient } from '@dss/client';
import type { CliClient, ClientConfig } from './client-port.js';

// The one place dssctl builds the real client; everything else takes the
// CliClient interface (the assignment below checks that DssClient fits it).

export function createDssClient(config: ClientConfig): CliClient {
  const client: CliClient = new DssClient({
    endpoints: config.endpoints,
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.token !== undefined ? { token: config.token } : {}),
  });
  return client;
}

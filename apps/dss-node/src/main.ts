import 'reflect-metadata';
import { ConfigError, loadNodeConfig, loadProcessSettings } from '@dss/config';
import { startDaemon } from './bootstrap.js';
import { defaultRoleRegistry } from './roles/default-roles.js';
import { UnknownRoleError } from './roles/role-registry.js';

/** Exit code for configuration errors, so supervisors can tell them from crashes. */
const EXIT_BAD_CONFIG = 78;

async function main(): Promise<void> {
  try {
    // Check the role before reading the cluster file, so a typo in DSS_ROLE
    // gets the clearest message.
    const registry = defaultRoleRegistry();
    const role = registry.resolve(loadProcessSettings(process.env).role);
    const config = loadNodeConfig(process.env);
    await startDaemon(config, role);
    // PM2 (wait_ready) counts the process as started only now.
    process.send?.('ready');
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UnknownRoleError) {
      process.stderr.write(`dss-node: ${err.message}\n`);
      process.exit(EXIT_BAD_CONFIG);
    }
    process.stderr.write(
      `dss-node: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  }
}

void main();

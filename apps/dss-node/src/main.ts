import 'reflect-metadata';
import { CONSOLE_ROLE, ConfigError, loadConsoleConfig, loadNodeConfig, loadProcessSettings } from '@dss/config';
import { startDaemon } from './bootstrap.js';
import { startConsole } from './console/start-console.js';
import { defaultRoleRegistry } from './roles/default-roles.js';
import { UnknownRoleError } from './roles/role-registry.js';

/** Exit code for configuration errors, so supervisors can tell them from crashes. */
const EXIT_BAD_CONFIG = 78;

async function main(): Promise<void> {
  try {
    // Check the role before reading the cluster file, so a typo in DSS_ROLE
    // gets the clearest message.
    const roleName = loadProcessSettings(process.env).role;
    // The console is not a role of the cluster (no peers, no state): it shows the roles.
    if (roleName === CONSOLE_ROLE) await startConsole(loadConsoleConfig(process.env));
    else {
      const role = defaultRoleRegistry().resolve(roleName);
      await startDaemon(loadNodeConfig(process.env), role);
    }
    // PM2 (wait_ready) counts the process as started only now.
    process.send?.('ready');
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UnknownRoleError) {
      const alsoConsole = err instanceof UnknownRoleError ? `, and ${CONSOLE_ROLE} (the operator console)` : '';
      process.stderr.write(`dss-node: ${err.message}${alsoConsole}\n`);
      process.exit(EXIT_BAD_CONFIG);
    }
    process.stderr.write(
      `dss-node: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  }
}

void main();

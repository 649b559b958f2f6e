import type { Command } from 'commander';
import { ROLES } from '../client-port.js';
import type { ActionFactory } from '../context.js';
import { renderTable } from '../output.js';

// `dssctl endpoints`: where each role's endpoints come from after the
// precedence rules (flags, env, config file, local); sends nothing.

export function registerEndpoints(program: Command, action: ActionFactory): void {
  program
    .command('endpoints')
    .description('the endpoints dssctl would use, and where each came from (sends nothing)')
    .addHelpText(
      'after',
      '\nExample:\n  DSSCTL_CLUSTER=/var/lib/dss/cluster.json dssctl endpoints --lock http://10.0.0.5:8001',
    )
    .action(
      action(async (ctx) => {
        const c = ctx.connection();
        const json = {
          ...Object.fromEntries(ROLES.map((r) => [r, { urls: c.endpoints[r], source: c.sources[r] }])),
          timeoutMs: c.timeoutMs ?? null,
          token: c.token !== undefined ? 'set' : 'unset',
          configFile: c.configFile ?? null,
        };
        const text =
          renderTable(
            ['role', 'source', 'urls'],
            ROLES.map((r) => [r, c.sources[r], c.endpoints[r].join(',')]),
          ) +
          `timeout: ${c.timeoutMs !== undefined ? `${c.timeoutMs} ms` : 'client default'}; token: ${json.token}${c.configFile ? `; config file: ${c.configFile}` : ''}\n`;
        return { json, text };
      }),
    );
}

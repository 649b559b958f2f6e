// Test hosts for the deployment e2e test: network namespaces with sshd, see netns-hosts.ts.
export { NetnsHosts } from './netns-hosts.js';
export { netnsUnsupportedReason } from './unsupported-reason.js';
export { TIMEOUT_CODE } from './run-command.js';
export type { CommandResult, ExecOptions, NetnsOptions, TestHost } from './types.js';

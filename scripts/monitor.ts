// Entry point of `npm run monitor` (Prometheus beside the local cluster).
import { main } from './monitoring/monitor-cli.js';

// Exit explicitly: PM2's client keeps sockets open after disconnect.
process.exit(await main(process.argv.slice(2)));

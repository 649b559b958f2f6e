// Entry point of `npm start`, `npm stop` and `npm run status`.
import { main } from './local-cluster/cluster-cli.js';

// Exit explicitly: PM2's client keeps sockets (and reconnect timers) open
// after killDaemon, which would keep this process alive.
process.exit(await main(process.argv.slice(2)));

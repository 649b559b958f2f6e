import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DSS_CONFIG, type NodeConfig } from '@dss/config';

/**
 * Tracks draining and bounds shutdown: once a stop signal arrives, /ready
 * answers 503, and if closing takes longer than DSS_SHUTDOWN_TIMEOUT_MS the
 * process exits anyway (PM2's kill_timeout is set longer than this, so PM2
 * never has to SIGKILL a daemon that is still flushing).
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private drainingSince?: number;

  constructor(@Inject(DSS_CONFIG) private readonly config: NodeConfig) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  beforeApplicationShutdown(signal?: string): void {
    this.drainingSince = Date.now();
    const limit = this.config.settings.shutdownTimeoutMs;
    this.logger.log(`${signal ?? 'close'}: draining, will exit within ${limit} ms`);
    const timer = setTimeout(() => {
      this.logger.error(`shutdown took longer than ${limit} ms (DSS_SHUTDOWN_TIMEOUT_MS); exiting now`);
      process.exit(1);
    }, limit);
    timer.unref();
  }
}

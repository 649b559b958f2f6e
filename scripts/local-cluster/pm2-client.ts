import type * as Pm2 from 'pm2';

// PM2's programmatic API, promisified, against the project's own PM2_HOME so
// that a user's global PM2 and its processes are never touched.

export type Pm2Api = typeof Pm2;

export interface Pm2Process {
  readonly name: string;
  readonly pid: number;
  readonly status: string;
  readonly restarts: number;
  readonly uptimeMs: number;
}

export class Pm2Client {
  private constructor(private readonly pm2: Pm2Api) {}

  /** Connects to (or starts) the PM2 daemon living in `pm2Home`. */
  static async connect(pm2Home: string): Promise<Pm2Client> {
    // PM2 reads PM2_HOME when it is first loaded, so set it before the import.
    process.env.PM2_HOME = pm2Home;
    const mod = (await import('pm2')) as unknown as { default?: Pm2Api } & Pm2Api;
    const pm2 = mod.default ?? mod;
    await new Promise<void>((resolve, reject) => pm2.connect((err) => (err ? reject(err) : resolve())));
    return new Pm2Client(pm2);
  }

  start(target: string | Pm2.StartOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err: Error | null) => (err ? reject(err) : resolve());
      if (typeof target === 'string') this.pm2.start(target, done);
      else this.pm2.start(target, done);
    });
  }

  list(): Promise<Pm2Process[]> {
    return new Promise((resolve, reject) =>
      this.pm2.list((err, list) => {
        if (err) return reject(err);
        resolve(
          list.map((p) => ({
            name: p.name ?? '?',
            pid: p.pid ?? 0,
            status: p.pm2_env?.status ?? 'unknown',
            restarts: p.pm2_env?.restart_time ?? 0,
            uptimeMs: p.pm2_env?.pm_uptime ? Date.now() - p.pm2_env.pm_uptime : 0,
          })),
        );
      }),
    );
  }

  delete(name: string): Promise<void> {
    return new Promise((resolve, reject) => this.pm2.delete(name, (err) => (err ? reject(err) : resolve())));
  }

  /** Stops every process and the daemon itself. */
  killDaemon(): Promise<void> {
    return new Promise((resolve, reject) => this.pm2.killDaemon((err) => (err ? reject(err) : resolve())));
  }

  disconnect(): void {
    this.pm2.disconnect();
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, postJson } from './http.js';

// A throw-away three-member etcd cluster on loopback, for side-by-side
// benchmarks (fsync on, etcd's defaults: 100 ms heartbeat, 1 s election
// timeout). Uses Debian's etcd-server package (apt-get install etcd-server).

export interface EtcdCluster {
  readonly clientUrls: readonly string[];
  /** Index of the member that leads now (asked of every member until one answers). */
  leader(): Promise<number>;
  /** SIGKILL member `i` and wait until it is gone. */
  kill(i: number): Promise<void>;
  /** Start member `i` again on its data dir and wait until it is healthy. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

const HEALTHY_WITHIN_MS = 30_000;

export async function startEtcd(binary: string, basePort = 23790): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'dss-etcd-'));
  const names = ['e1', 'e2', 'e3'];
  const peer = (i: number) => `http://127.0.0.1:${basePort + 10 + i}`;
  const client = (i: number) => `http://127.0.0.1:${basePort + i}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const launch = (i: number): ChildProcess =>
    spawn(
      binary,
      [
        '--name',
        names[i]!,
        '--data-dir',
        join(dir, names[i]!),
        '--listen-client-urls',
        client(i),
        '--advertise-client-urls',
        client(i),
        '--listen-peer-urls',
        peer(i),
        '--initial-advertise-peer-urls',
        peer(i),
        '--initial-cluster',
        initial,
        '--initial-cluster-state',
        'new', // ignored when the data dir already holds a member
        '--log-level',
        'error',
      ],
      { stdio: 'ignore', env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } },
    );
  const procs = names.map((_, i) => launch(i));
  const clientUrls = names.map((_, i) => client(i));
  const healthy = async (url: string) => {
    for (const deadline = Date.now() + HEALTHY_WITHIN_MS; ;) {
      const ok = await httpRequest('GET', `${url}/health`, undefined, 2000).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`etcd at ${url} did not become healthy`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const exited = (p: ChildProcess) =>
    new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
  for (const url of clientUrls) await healthy(url);
  return {
    clientUrls,
    async leader() {
      type Status = { header?: { member_id?: string }; leader?: string };
      for (;;) {
        const statuses = await Promise.all(
          clientUrls.map((u) =>
            postJson<Status>(`${u}/v3/maintenance/status`, {}).then(
              (r) => r.body,
              () => undefined,
            ),
          ),
        );
        const leaderId = statuses.find((st) => st?.leader && st.leader !== '0')?.leader;
        const i = statuses.findIndex((st) => leaderId !== undefined && st?.header?.member_id === leaderId);
        if (i >= 0) return i;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(i) {
      procs[i]!.kill('SIGKILL');
      await exited(procs[i]!);
    },
    async restart(i) {
      procs[i] = launch(i);
      await healthy(clientUrls[i]!);
    },
    async stop() {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map(exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

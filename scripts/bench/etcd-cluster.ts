import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from './http.js';

// A throw-away three-member etcd cluster on loopback, for side-by-side
// benchmarks. Uses Debian's etcd-server package (apt-get install etcd-server).

export interface EtcdCluster {
  readonly clientUrls: readonly string[];
  stop(): Promise<void>;
}

export async function startEtcd(binary: string, basePort = 23790): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'dss-etcd-'));
  const names = ['e1', 'e2', 'e3'];
  const peer = (i: number) => `http://127.0.0.1:${basePort + 10 + i}`;
  const client = (i: number) => `http://127.0.0.1:${basePort + i}`;
  const initial = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const procs: ChildProcess[] = names.map((name, i) =>
    spawn(
      binary,
      [
        '--name', name,
        '--data-dir', join(dir, name),
        '--listen-client-urls', client(i),
        '--advertise-client-urls', client(i),
        '--listen-peer-urls', peer(i),
        '--initial-advertise-peer-urls', peer(i),
        '--initial-cluster', initial,
        '--initial-cluster-state', 'new',
        '--log-level', 'error',
      ],
      { stdio: 'ignore', env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } },
    ),
  );
  const clientUrls = names.map((_, i) => client(i));
  const deadline = Date.now() + 30_000;
  for (const url of clientUrls) {
    for (;;) {
      const ok = await httpRequest('GET', `${url}/health`, undefined, 2000).then((r) => r.status === 200).catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`etcd at ${url} did not become healthy`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    clientUrls,
    async stop() {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

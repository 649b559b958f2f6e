import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { CHROMIUM_MISSING, findChromium, launchBrowser, VIEWPORT } from '../support/browser.js';
import { NetnsHosts, netnsUnsupportedReason } from '../support/netns/index.js';
import { eventually, getJson, postJson, requestJson } from '../support/local-cluster.js';
import { requiredTool } from '../support/tools.js';

// The deployment end to end, as a user runs it: three network namespaces with
// their own addresses and sshd play vm1..vm3, the real `ansible-playbook
// ansible/deploy.yml` deploys to them over SSH, then the README's demos run
// against the hosts' addresses. The test inventory changes only what one
// shared filesystem and a machine without systemd or internet force: per-host
// directories, PM2 in place of systemd, no Grafana package (its provisioning
// files are still rendered), no pm2-logrotate (it needs the npm registry).
// Each host's pm2 command and its sudo rule have per-host paths too; the
// hosts' ssh sessions find that host's pm2 first in PATH, as a VM finds
// /usr/local/bin/pm2. A non-root login user (LOGIN_USER, made by the test and
// removed after it) types the same pm2 commands as root.

const ROOT = resolve(__dirname, '..', '..');
const HOSTS = ['vm1', 'vm2', 'vm3'];
const PORTS = { lock: 8001, queue: 8011, cache: 8021 };
const REDIS_PORT = 6379;
/** The cache's Redis-protocol port on every host (dss_ports.cache.resp), open to clients like HTTP. */
const CACHE_RESP_PORT = 7021;
/** The operator console on every host (dss_ports.console.http), open to people's browsers. */
const CONSOLE_PORT = 8031;
/** Grafana's port on the monitoring host (vm1), which the console links to. */
const GRAFANA_PORT = 3000;
/** The port of the Sentinel earlier releases ran beside each Redis: nothing may listen there now. */
const RETIRED_SENTINEL_PORT = 26379;
/** The login user of the hosts besides root, as vagrant on the VMs: a local user of this machine while the test runs. */
const LOGIN_USER = 'dsse2e-ops';
/** The per-host sudo rules of the pm2 command (the hosts share this machine's /etc/sudoers.d). */
const SUDOERS_PREFIX = '/etc/sudoers.d/dsse2e-';
/** Prometheus's targets: nine daemons, three consoles, three Redis and three node exporters, itself. */
const PROMETHEUS_TARGETS = 9 + 3 + 3 + 3 + 1;
/** The console's page is loaded in Chromium when this machine has one (CI must). */
const chromium = findChromium();
const reason =
  netnsUnsupportedReason() ??
  ['ansible-playbook', 'sudo', 'visudo', 'useradd']
    .map((t) => (requiredTool(t) ? undefined : `${t} is not installed`))
    .find(Boolean);
if (reason && process.env.CI) throw new Error(`the deployment e2e must run in CI: ${reason}`);
if (reason) process.stderr.write(`SKIPPED: deployment e2e: ${reason}\n`);
// Linux and root only (network namespaces, sshd); elsewhere it says why and is skipped.
const suite = reason ? describe.skip : describe;

interface PlaybookRun {
  code: number;
  output: string;
  /** host -> changed count from the PLAY RECAP. */
  changed: Record<string, number>;
}

function runPlaybook(
  work: string,
  log: string,
  extraVarFiles: string[] = [],
  extraArgs: string[] = [],
): Promise<PlaybookRun> {
  const vars = [join(work, 'e2e-vars.yml'), ...extraVarFiles].flatMap((f) => ['-e', `@${f}`]);
  return new Promise((done) => {
    const child = spawn(
      'ansible-playbook',
      ['-i', join(work, 'inventory.yml'), ...vars, ...extraArgs, join(ROOT, 'ansible', 'deploy.yml')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ANSIBLE_CONFIG: join(ROOT, 'ansible', 'ansible.cfg'),
          ANSIBLE_FORCE_COLOR: '0',
          ANSIBLE_NOCOLOR: '1',
        },
      },
    );
    let output = '';
    const timings = new TaskTimings();
    // Written as it comes, so a slow or stuck run can be followed (tail -f).
    const take = (d: Buffer) => {
      output += d;
      appendFileSync(log, d);
      timings.take(d.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      const changed: Record<string, number> = {};
      for (const m of output.matchAll(/^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)/gm)) changed[m[1]!] = Number(m[2]);
      process.stderr.write(`deployment e2e: ${log}: ${timings.summary()}`);
      done({ code: code ?? -1, output, changed });
    });
  });
}

/**
 * Wall time per task of a playbook run, from the moment its header (TASK,
 * RUNNING HANDLER, PLAY) is printed to the next one, summed over the serial
 * batches: a slow CI run then says where its time went.
 */
class TaskTimings {
  private readonly started = Date.now();
  private readonly totals = new Map<string, number>();
  private current: { name: string; at: number } | undefined;
  private partial = '';

  take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const header = /^(?:TASK|RUNNING HANDLER|PLAY) \[(.*)\]/.exec(line);
      if (header) this.next(header[1]!);
    }
  }

  summary(count = 8): string {
    this.next(undefined);
    const top = [...this.totals].sort((a, b) => b[1] - a[1]).slice(0, count);
    const wall = (Date.now() - this.started) / 1000;
    return `${wall.toFixed(0)} s; slowest tasks:\n${top.map(([name, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${name}`).join('\n')}\n`;
  }

  private next(name: string | undefined): void {
    const now = Date.now();
    if (this.current)
      this.totals.set(this.current.name, (this.totals.get(this.current.name) ?? 0) + now - this.current.at);
    this.current = name === undefined ? undefined : { name, at: now };
  }
}

/** Does a TCP connection to host:port open within timeoutMs? (A firewall DROP makes it time out.) */
function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

/**
 * redis-cli from this machine (a client, not a cluster member) against a host's cache over the
 * Redis protocol, as docs/deployment.md shows it: its output, replies and errors alike, trimmed.
 * With caFile: TLS verified against the cluster CA; with password: AUTH with that API token.
 */
function cacheRedisCli(address: string, args: string[], options: { caFile?: string; password?: string } = {}): string {
  const tls = options.caFile ? ['--tls', '--cacert', options.caFile] : [];
  const auth = options.password ? ['--no-auth-warning', '-a', options.password] : [];
  const r = spawnSync('redis-cli', ['-h', address, '-p', String(CACHE_RESP_PORT), ...tls, ...auth, ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

/** A Redis INFO answer as field -> value (sections and blank lines dropped). */
function parseRedisInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** A healthy replicated Redis: one host's server is the primary, every other host's its replica with the link up. */
interface RedisTopology {
  primary: string;
  replicas: string[];
}

interface HttpsAnswer {
  status: number;
  body: Record<string, unknown>;
  wwwAuthenticate: string | undefined;
}

/** A JSON request over HTTPS, verified against the cluster CA, with an optional bearer token. */
function httpsJson(
  method: string,
  url: string,
  ca: Buffer,
  options: { token?: string; body?: unknown } = {},
): Promise<HttpsAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(payload ? { 'content-type': 'application/json' } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  };
  return new Promise((done, fail) => {
    const req = httpsRequest(url, { method, ca, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          body: JSON.parse(text) as Record<string, unknown>,
          wwwAuthenticate: res.headers['www-authenticate'],
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', fail);
    req.end(payload);
  });
}

suite('deployment e2e: ansible-playbook onto three hosts', () => {
  jest.setTimeout(40 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'dss-e2e-'));
  let net: NetnsHosts;
  const address = (host: string) => net.hosts.find((h) => h.name === host)!.address;
  const url = (host: string, role: keyof typeof PORTS) => `http://${address(host)}:${PORTS[role]}`;
  const consoleUrl = (host: string) => `http://${address(host)}:${CONSOLE_PORT}`;
  /** `pm2 <args>` typed on the host as root, or as the login user: no PM2_HOME, no sudo, no path. */
  const pm2 = (host: string, args: string, user = 'root') => net.ssh(host, `pm2 ${args}`, { timeoutMs: 60_000, user });
  /** The apps of `pm2 jlist` on the host as name -> status. */
  const pm2Status = async (host: string, user = 'root'): Promise<Record<string, string>> => {
    const r = await pm2(host, 'jlist', user);
    if (r.code !== 0) throw new Error(`pm2 jlist as ${user} on ${host} exited with ${r.code}: ${r.stdout}${r.stderr}`);
    const apps = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as {
      name: string;
      pm2_env: { status: string };
    }[];
    return Object.fromEntries(apps.map((a) => [a.name, a.pm2_env.status]));
  };
  const removeSudoRules = () => {
    for (const f of readdirSync('/etc/sudoers.d').filter((n) => `/etc/sudoers.d/${n}`.startsWith(SUDOERS_PREFIX)))
      rmSync(`/etc/sudoers.d/${f}`, { force: true });
  };
  /** INFO <section> of the host's Redis, asked from inside the host: the firewall keeps this machine out. */
  const redisInfo = async (host: string, section: string): Promise<Record<string, string>> => {
    const r = await net.exec(host, ['redis-cli', '-h', address(host), '-p', String(REDIS_PORT), 'info', section], {
      timeoutMs: 5_000,
    });
    if (r.code !== 0 || !r.stdout.startsWith('#'))
      throw new Error(`redis-cli info ${section} on ${host} exited with ${r.code}: ${r.stdout}${r.stderr}`);
    return parseRedisInfo(r.stdout);
  };
  /** The hosts' Redis servers as INFO replication reports them, if they form one primary with every other host its online replica. */
  const redisTopology = async (): Promise<RedisTopology | undefined> => {
    const infos = await Promise.all(
      HOSTS.map(async (host) => ({ host, info: await redisInfo(host, 'replication').catch(() => undefined) })),
    );
    const primaries = infos.filter((i) => i.info?.role === 'master');
    const primary = primaries[0];
    if (primaries.length !== 1 || !primary?.info) return undefined;
    const others = infos.filter((i) => i !== primary);
    const online = Object.entries(primary.info).filter(
      ([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online'),
    ).length;
    const linked = others.every(
      (i) =>
        i.info?.role === 'slave' && i.info.master_link_status === 'up' && i.info.master_host === address(primary.host),
    );
    if (online !== HOSTS.length - 1 || !linked) return undefined;
    return { primary: primary.host, replicas: others.map((i) => i.host) };
  };
  const redisPid = async (host: string) => Number((await redisInfo(host, 'server')).process_id);
  /** Waits until redisTopology() is healthy and `also` holds; else fails with what each host's Redis says. */
  const healthyRedis = async (
    what: string,
    timeoutMs: number,
    also: (t: RedisTopology) => Promise<boolean> = async () => true,
  ) => {
    let topology: RedisTopology | undefined;
    const ms = await eventually(
      async () => (topology = await redisTopology()) !== undefined && (await also(topology)),
      timeoutMs,
      500,
    ).catch(async (err: unknown) => {
      const roles = await Promise.all(
        HOSTS.map(async (host) => ({
          host,
          ...(await redisInfo(host, 'replication').catch((e: unknown) => ({ error: String(e) }))),
        })),
      );
      throw new Error(`${what}: ${String(err)}; INFO replication: ${JSON.stringify(roles)}`);
    });
    return { topology: topology!, ms };
  };

  beforeAll(async () => {
    // The login user: key login only (the hosts' sshd take the controller key for every user),
    // '*' rather than a locked password, which sshd without PAM refuses.
    spawnSync('userdel', [LOGIN_USER]);
    removeSudoRules();
    const useradd = spawnSync(
      'useradd',
      [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/bin/sh',
        '--password',
        '*',
        LOGIN_USER,
      ],
      { encoding: 'utf8' },
    );
    if (useradd.status !== 0) throw new Error(`useradd ${LOGIN_USER}: ${useradd.stderr}`);
    // The login user reaches each host's pm2 command (nothing else in the work directory is readable to it).
    chmodSync(work, 0o711);
    for (const host of HOSTS) mkdirSync(join(work, host, 'bin'), { recursive: true, mode: 0o755 });
    net = await NetnsHosts.create({
      workDir: join(work, 'net'),
      sessionEnv: (h) => ({
        PATH: `${work}/${h.name}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      }),
    });
    const hostVars = (host: string, i: number) => ({
      ansible_host: net.hosts[i]!.address,
      dss_node_id: `node${i + 1}`,
      dss_install_dir: `${work}/${host}/opt`,
      dss_state_dir: `${work}/${host}/state`,
      dss_cli_path: `${work}/${host}/dssctl`,
      dss_pm2_cli_path: `${work}/${host}/bin/pm2`,
      dss_pm2_sudoers_file: `${SUDOERS_PREFIX}${host}`,
      grafana_provisioning_dir: `${work}/${host}/grafana/provisioning`,
      grafana_dashboards_dir: `${work}/${host}/grafana/dashboards`,
    });
    const inventory = {
      all: {
        vars: {
          ansible_user: 'root',
          ansible_ssh_private_key_file: net.privateKeyPath,
          ansible_ssh_common_args: net
            .sshOptions()
            .filter((o) => o !== '-i' && o !== net.privateKeyPath)
            .join(' '),
          ansible_python_interpreter: '/usr/bin/python3',
        },
        children: {
          dss: { hosts: Object.fromEntries(HOSTS.map((h, i) => [h, hostVars(h, i)])) },
          monitoring: { hosts: { vm1: {} } },
        },
      },
    };
    // JSON is YAML.
    writeFileSync(join(work, 'inventory.yml'), JSON.stringify(inventory, null, 2));
    writeFileSync(
      join(work, 'e2e-vars.yml'),
      JSON.stringify({
        dss_service_manager: 'pm2',
        dss_user: 'root',
        dss_group: 'root',
        dss_manage_users: false,
        apt_update_cache: false,
        grafana_install: false,
        dss_pm2_logrotate: false,
        dss_pm2_cli_users: [LOGIN_USER],
        dss_pm2_cli_groups: [],
        dss_build_dir: join(work, 'releases'),
        // The cluster CA stays with the test, not in the checkout.
        dss_pki_dir: join(work, 'pki'),
      }),
    );
  });

  afterAll(async () => {
    await net?.destroy();
    removeSudoRules();
    spawnSync('userdel', [LOGIN_USER]);
    rmSync(work, { recursive: true, force: true });
  });

  it('deploys, serves every daemon at its host, fails over locks and Redis, runs the demos, a second run changes nothing, and HTTPS with tokens rolls out keeping state', async () => {
    process.stderr.write(
      `deployment e2e: playbook output in ${work}/first-run.log, second-run.log, secure-run.log and configure-run.log\n`,
    );
    const first = await runPlaybook(work, join(work, 'first-run.log'));
    if (first.code !== 0)
      throw new Error(`first ansible-playbook run failed (${first.code}):\n${first.output.slice(-6000)}`);

    // Every daemon answers at its host's address.
    for (const host of HOSTS)
      for (const role of Object.keys(PORTS) as (keyof typeof PORTS)[]) {
        expect([host, role, (await getJson(`${url(host, role)}/health`)).status]).toEqual([host, role, 200]);
      }

    // The firewall: this machine is not a cluster member, so the peer and Redis
    // ports are closed to it while the HTTP ports and the cache's Redis-protocol
    // port are open; the peers talk mutual TLS with the certificates Ansible issued.
    for (const [port, open] of [
      [PORTS.lock, true],
      [PORTS.cache, true],
      [CACHE_RESP_PORT, true],
      [CONSOLE_PORT, true],
      [9001, false],
      [9011, false],
      [9021, false],
      [REDIS_PORT, false],
    ] as const) {
      expect([port, await canConnect(address('vm1'), port, 1500)]).toEqual([port, open]);
    }
    expect(readdirSync(join(work, 'vm2', 'state', 'tls')).sort()).toEqual(['ca.crt', 'node2.crt', 'node2.key']);
    expect(readFileSync(join(work, 'vm2', 'state', 'cluster.json'), 'utf8')).toContain('"peerAuth": "mtls"');
    const described = JSON.parse(readFileSync(join(work, 'vm2', 'state', 'cluster.json'), 'utf8')) as {
      nodes: { ports: { cache: { resp?: number }; console?: { http: number; peer?: number } } }[];
      monitoring?: { grafanaUrl?: string };
    };
    expect(described.nodes.map((n) => n.ports.cache.resp)).toEqual([CACHE_RESP_PORT, CACHE_RESP_PORT, CACHE_RESP_PORT]);
    expect(described.nodes.map((n) => n.ports.console)).toEqual(HOSTS.map(() => ({ http: CONSOLE_PORT })));
    // vm1 is the monitoring host: the console links to its Grafana.
    const grafanaUrl = `http://${address('vm1')}:${GRAFANA_PORT}`;
    expect(described.monitoring).toEqual({ grafanaUrl });

    // Redis: one server per host, no Sentinel; the playbook waited until the lock
    // leader made one the primary with the other two its online replicas.
    await healthyRedis('Redis is not one primary with every other host its online replica', 10_000);
    for (const host of HOSTS) {
      const jlist = await pm2(host, 'jlist');
      const apps = (JSON.parse(jlist.stdout.trim().split('\n').pop() ?? '[]') as { name: string }[]).map((a) => a.name);
      expect([host, apps.includes('dss-redis'), apps.includes('dss-sentinel')]).toEqual([host, true, false]);
      const listening = await net.exec(host, ['ss', '-Hltn', `sport = :${RETIRED_SENTINEL_PORT}`]);
      expect([host, listening.code, listening.stdout.trim()]).toEqual([host, 0, '']);
    }

    // dssctl, as Ansible installed it on a host, sees the whole cluster.
    const status = await net.ssh('vm2', `${work}/vm2/dssctl --json status`, { timeoutMs: 60_000 });
    expect(status.code).toBe(0);
    const rows = (JSON.parse(status.stdout) as { daemons: { role: string; reachable: boolean; healthy: boolean }[] })
      .daemons;
    expect(
      rows
        .filter((r) => r.reachable && r.healthy)
        .map((r) => r.role)
        .sort(),
    ).toEqual(['cache', 'cache', 'cache', 'lock', 'lock', 'lock', 'queue', 'queue', 'queue']);

    // The operator console on every host (PM2 app dss-console, port 8031): it is up, serves its
    // page, and its overview reaches all nine daemons of the cluster.
    for (const host of HOSTS) {
      expect([host, (await pm2Status(host))['dss-console']]).toEqual([host, 'online']);
      const health = await getJson<{ role: string }>(`${consoleUrl(host)}/health`);
      expect([host, health.status, health.body.role]).toEqual([host, 200, 'console']);
    }
    const consolePage = await fetch(`${consoleUrl('vm2')}/`, { signal: AbortSignal.timeout(10_000) });
    expect([consolePage.status, consolePage.headers.get('content-type')]).toEqual([
      200,
      expect.stringMatching(/^text\/html/),
    ]);
    expect(await consolePage.text()).toContain('<title>DSS console</title>');
    const session = await getJson<{ grafanaUrl: string | null; nodes: string[] }>(`${consoleUrl('vm2')}/api/session`);
    expect(session.body).toMatchObject({ grafanaUrl, nodes: ['node1', 'node2', 'node3'] });
    let overview: { daemons: { node: string; role: string; reachable: boolean; ready: boolean }[] } | undefined;
    await eventually(
      async () =>
        (overview = (await getJson<NonNullable<typeof overview>>(`${consoleUrl('vm2')}/api/overview`, 10_000))
          .body).daemons.filter((d) => d.reachable && d.ready).length === 9,
      30_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(
        `the console's overview on vm2 does not show nine ready daemons: ${String(err)}: ${JSON.stringify(overview)}`,
      );
    });
    expect(overview!.daemons.map((d) => `${d.role}@${d.node}`).sort()).toEqual(
      HOSTS.flatMap((_, i) => ['cache', 'lock', 'queue'].map((r) => `${r}@node${i + 1}`)).sort(),
    );
    // The Cluster page in a browser, as an operator opens it at a host's address: the lock
    // leader a node id, the Grafana link to the monitoring host.
    if (chromium) {
      const browser = await launchBrowser(chromium);
      try {
        const page = await browser.newPage({ viewport: VIEWPORT });
        const pageErrors: string[] = [];
        page.on('pageerror', (err) => pageErrors.push(err.message));
        await page.goto(`${consoleUrl('vm3')}/#/cluster`, { waitUntil: 'domcontentloaded' });
        await page.waitForFunction(
          () => /^node\d+$/.test(document.querySelector('[data-testid=lock-leader]')?.textContent ?? ''),
          undefined,
          { timeout: 30_000 },
        );
        // The Cluster page links to the Overview dashboard (uid dss-overview).
        expect(await page.getAttribute('#grafana-link', 'href')).toBe(`${grafanaUrl}/d/dss-overview`);
        expect(pageErrors).toEqual([]);
      } finally {
        await browser.close();
      }
    } else if (process.env.CI) throw new Error(`the deployment e2e must load the console in CI: ${CHROMIUM_MISSING}`);
    else process.stderr.write(`deployment e2e: the console's page was not loaded in a browser: ${CHROMIUM_MISSING}\n`);

    // The lock leader; acquire; pm2 stop dss-lock on its host; a new leader; acquire again.
    const leaderOf = async (hosts: string[]) => {
      for (const h of hosts) {
        const c = await getJson<{ raft: { state: string } }>(`${url(h, 'lock')}/cluster`).catch(() => undefined);
        if (c?.body.raft.state === 'leader') return h;
      }
      return undefined;
    };
    // Twice: as root, then as the login user, each typing the design's gesture as is.
    const first1 = await postJson<{ fencingToken: number }>(`${url('vm2', 'lock')}/lock/acquire`, {
      resource: 'deploy',
      owner: 'e2e',
      ttlMs: 2000,
    });
    expect(first1.status).toBe(200);
    for (const user of ['root', LOGIN_USER]) {
      let leader: string | undefined;
      await eventually(async () => (leader = await leaderOf(HOSTS)) !== undefined, 20_000, 200);
      expect([user, (await pm2Status(leader!, user))['dss-lock']]).toEqual([user, 'online']);
      const stop = await pm2(leader!, 'stop dss-lock', user);
      expect([user, stop.code, stop.code === 0 ? '' : `${stop.stdout}${stop.stderr}`]).toEqual([user, 0, '']);
      const ls = await pm2(leader!, 'ls', user);
      expect([user, ls.code]).toEqual([user, 0]);
      expect(ls.stdout).toMatch(/dss-lock\b.*stopped/);
      expect(ls.stdout).toMatch(/dss-queue\b.*online/);
      const others = HOSTS.filter((h) => h !== leader);
      let next: string | undefined;
      await eventually(async () => (next = await leaderOf(others)) !== undefined, 10_000, 100);
      await eventually(
        async () =>
          (
            await postJson(`${url(next!, 'lock')}/lock/acquire`, {
              resource: `after-failover-${user}`,
              owner: 'e2e',
              ttlMs: 5000,
            })
          ).status === 200,
        10_000,
        200,
      );
      expect([user, (await pm2(leader!, 'start dss-lock', user)).code]).toEqual([user, 0]);
      await eventually(async () => (await getJson(`${url(leader!, 'lock')}/ready`)).status === 200, 30_000, 200);
      expect([user, (await pm2Status(leader!, user))['dss-lock']]).toEqual([user, 'online']);
      const logs = await pm2(leader!, 'logs dss-lock --nostream --lines 5', user);
      expect([user, logs.code, logs.stdout.includes('dss-lock')]).toEqual([user, 0, true]);
    }
    // The login user's sudo rule allows the pm2 command and nothing else.
    expect((await net.ssh('vm1', 'sudo -n true', { user: LOGIN_USER })).code).not.toBe(0);

    // Queue redelivery demo.
    const q = (host: string, op: string, body: object) =>
      postJson<{ messages: { receipt: string; body: unknown; deliveries: number }[] }>(
        `${url(host, 'queue')}/queue/${op}`,
        body,
      );
    expect((await q('vm1', 'publish', { topic: 'orders', message: { order: 42 } })).status).toBe(201);
    expect((await q('vm2', 'consume', { topic: 'orders', visibilityMs: 1000 })).body.messages[0]?.deliveries).toBe(1);
    let again: { receipt: string; deliveries: number } | undefined;
    await eventually(
      async () =>
        (again = (await q('vm3', 'consume', { topic: 'orders', waitMs: 1000 })).body.messages[0]) !== undefined,
      10_000,
      200,
    );
    expect(again!.deliveries).toBe(2);
    expect((await q('vm3', 'ack', { topic: 'orders', receipt: again!.receipt })).status).toBe(200);

    // Cache coherence demo.
    const c = (host: string) => `${url(host, 'cache')}/cache/greeting`;
    expect((await requestJson('PUT', c('vm1'), { value: 'hello' })).body).toMatchObject({ state: 'M' });
    expect((await getJson<{ value: string; state: string }>(c('vm2'))).body).toMatchObject({
      value: 'hello',
      state: 'S',
    });
    expect((await requestJson('PUT', c('vm3'), { value: 'bonjour' })).status).toBe(200);
    expect((await getJson<{ states: Record<string, string> }>(`${c('vm1')}/coherence`)).body.states).toEqual({
      node1: 'I',
      node2: 'I',
      node3: 'M',
    });

    // The same cache over the Redis protocol (port 7021, open to clients): redis-cli reads what
    // HTTP wrote, and HTTP reads what redis-cli wrote.
    expect(cacheRedisCli(address('vm1'), ['GET', 'greeting'])).toBe('bonjour');
    expect(cacheRedisCli(address('vm2'), ['SET', 'from-resp', 'hello over RESP'])).toBe('OK');
    expect((await getJson<{ value: string }>(`${url('vm3', 'cache')}/cache/from-resp`)).body).toMatchObject({
      value: 'hello over RESP',
    });

    // Prometheus on vm1 sees every target up.
    await eventually(
      async () => {
        const t = await getJson<{ data: { activeTargets: { health: string }[] } }>(
          `http://${address('vm1')}:9090/api/v1/targets`,
        );
        return (
          t.body.data.activeTargets.length === PROMETHEUS_TARGETS &&
          t.body.data.activeTargets.every((a) => a.health === 'up')
        );
      },
      60_000,
      1000,
    );

    // Redis failover by the lock nodes (docs/redis-failover.md): kill -9 the
    // primary's redis-server; publishes work again within seconds, nothing
    // acknowledged is lost, and the killed server, restarted by PM2, comes back
    // as a replica of the new primary.
    const { topology } = await healthyRedis(
      'Redis is not one primary with every other host its online replica',
      30_000,
    );
    const killed = topology.primary;
    const publisher = topology.replicas[0]!;
    const publish = (fields: object, timeoutMs?: number) =>
      postJson(`${url(publisher, 'queue')}/queue/publish`, { topic: 'failover', ...fields }, timeoutMs);
    expect((await publish({ message: { before: 'kill' } })).status).toBe(201);
    const killedPid = await redisPid(killed);
    expect((await net.exec(killed, ['kill', '-9', String(killedPid)])).code).toBe(0);
    const killedAt = Date.now();
    // One dedupId for every attempt: an attempt that answered 503 may still have stored the message.
    const publishedAfterMs = await eventually(
      async () => (await publish({ message: { after: 'kill' }, dedupId: 'after-kill' }, 2_000)).status === 201,
      15_000,
      100,
    ).catch(() => Infinity);
    process.stderr.write(
      `deployment e2e: kill -9 of the Redis primary on ${killed}: a publish succeeded again after ${publishedAfterMs} ms (target 3000)\n`,
    );
    expect(publishedAfterMs).toBeLessThanOrEqual(5_000);
    const consumed = await q(publisher, 'consume', { topic: 'failover', max: 10, waitMs: 2_000 });
    expect(consumed.body.messages.map((m) => m.body)).toEqual([{ before: 'kill' }, { after: 'kill' }]);
    const { topology: healed } = await healthyRedis(
      `the killed Redis on ${killed} did not come back as a replica of a new primary`,
      30_000,
      async (t) => t.primary !== killed && (await redisPid(killed)) !== killedPid,
    );
    process.stderr.write(
      `deployment e2e: the killed Redis on ${killed}, restarted by PM2, is a replica of ${healed.primary} ${Date.now() - killedAt} ms after the kill\n`,
    );
    const view = await getJson(`${url(publisher, 'lock')}/redis`).catch((err: unknown) => ({
      status: 0,
      body: String(err),
    }));
    process.stderr.write(`deployment e2e: GET /redis on ${publisher}: ${view.status} ${JSON.stringify(view.body)}\n`);

    // A second run changes nothing: not the configuration, not the Redis
    // topology the lock leader chose (no restart, the primary stays where it is).
    const redisPids = await Promise.all(HOSTS.map(redisPid));
    const second = await runPlaybook(work, join(work, 'second-run.log'));
    if (second.code !== 0)
      throw new Error(`second ansible-playbook run failed (${second.code}):\n${second.output.slice(-6000)}`);
    expect(second.changed).toEqual({ vm1: 0, vm2: 0, vm3: 0 });
    expect(await Promise.all(HOSTS.map(redisPid))).toEqual(redisPids);
    expect(await redisTopology()).toEqual(healed);

    // Turning on HTTPS and bearer tokens is a change of Ansible variables: a
    // rolling restart, one host at a time, that keeps what the cluster holds.
    const lockAcross = await postJson<{ fencingToken: number }>(`${url('vm1', 'lock')}/lock/acquire`, {
      resource: 'across-restart',
      owner: 'e2e',
      ttlMs: 600_000,
    });
    expect(lockAcross.status).toBe(200);
    expect((await q('vm2', 'publish', { topic: 'across-restart', message: { kept: true } })).status).toBe(201);
    expect((await requestJson('PUT', `${url('vm3', 'cache')}/cache/across-restart`, { value: 'kept' })).status).toBe(
      200,
    );
    const RW = 'e2e-read-write-token-0123456789';
    const RO = 'e2e-read-only-token-0123456789';
    writeFileSync(
      join(work, 'secure-vars.yml'),
      JSON.stringify({ dss_http_tls: true, dss_api_tokens_read_write: [RW], dss_api_tokens_read_only: [RO] }),
    );
    const secure = await runPlaybook(work, join(work, 'secure-run.log'), [join(work, 'secure-vars.yml')]);
    if (secure.code !== 0)
      throw new Error(
        `ansible-playbook run with HTTPS and tokens failed (${secure.code}):\n${secure.output.slice(-6000)}`,
      );
    expect(HOSTS.map((h) => [h, (secure.changed[h] ?? 0) > 0])).toEqual(HOSTS.map((h) => [h, true]));
    expect(secure.output).not.toContain(RW);

    // Every daemon serves HTTPS with its host's certificate, verified against the cluster CA; plain HTTP is refused.
    const ca = readFileSync(join(work, 'pki', 'ca.crt'));
    const secureUrl = (host: string, role: keyof typeof PORTS) => `https://${address(host)}:${PORTS[role]}`;
    for (const host of HOSTS)
      for (const role of Object.keys(PORTS) as (keyof typeof PORTS)[]) {
        expect([host, role, (await httpsJson('GET', `${secureUrl(host, role)}/health`, ca)).status]).toEqual([
          host,
          role,
          200,
        ]);
      }
    expect(
      await getJson(`${url('vm1', 'lock')}/health`).then(
        () => 'answered',
        () => 'refused',
      ),
    ).toBe('refused');

    // The Redis protocol follows: TLS with the host's certificate (plain TCP gets no answer),
    // AUTH with the API tokens (none: NOAUTH; read-only: reads, NOPERM on writes; read-write: writes).
    const caFile = join(work, 'pki', 'ca.crt');
    expect(cacheRedisCli(address('vm1'), ['PING'])).not.toBe('PONG');
    expect(cacheRedisCli(address('vm1'), ['GET', 'across-restart'], { caFile })).toContain('NOAUTH');
    expect(cacheRedisCli(address('vm2'), ['GET', 'across-restart'], { caFile, password: RO })).toBe('kept');
    expect(cacheRedisCli(address('vm2'), ['SET', 'secured-resp', 'no'], { caFile, password: RO })).toContain('NOPERM');
    expect(cacheRedisCli(address('vm3'), ['SET', 'secured-resp', 'yes'], { caFile, password: RW })).toBe('OK');

    // Tokens: none or a wrong one is 401, a read-only one reads but cannot write, a read-write one writes.
    const acquire = (token?: string) =>
      httpsJson('POST', `${secureUrl('vm2', 'lock')}/lock/acquire`, ca, {
        body: { resource: 'secured', owner: 'e2e', ttlMs: 5000 },
        token,
      });
    const none = await acquire();
    expect([none.status, none.wwwAuthenticate]).toEqual([401, 'Bearer realm="dss"']);
    expect((await acquire('wrong')).status).toBe(401);
    expect((await acquire(RO)).status).toBe(401);
    expect((await httpsJson('GET', `${secureUrl('vm2', 'lock')}/lock/secured`, ca, { token: RO })).body).toMatchObject({
      holders: [],
    });
    expect((await acquire(RW)).status).toBe(200);

    // What the cluster held before the restarts is still there: the lock with its token, the message, the value.
    const across = await httpsJson('GET', `${secureUrl('vm3', 'lock')}/lock/across-restart`, ca, { token: RO });
    expect(across.body).toMatchObject({ holders: [{ owner: 'e2e', fencingToken: lockAcross.body.fencingToken }] });
    const kept = await httpsJson('POST', `${secureUrl('vm1', 'queue')}/queue/consume`, ca, {
      body: { topic: 'across-restart', waitMs: 2000 },
      token: RW,
    });
    expect(kept.body).toMatchObject({ messages: [{ body: { kept: true } }] });
    expect(
      (await httpsJson('GET', `${secureUrl('vm1', 'cache')}/cache/across-restart`, ca, { token: RO })).body,
    ).toMatchObject({ value: 'kept' });

    // dssctl as installed on a host trusts the cluster CA; its token comes from the environment.
    const secureStatus = await net.ssh('vm2', `DSSCTL_TOKEN=${RO} ${work}/vm2/dssctl --json status`, {
      timeoutMs: 60_000,
    });
    expect(secureStatus.code).toBe(0);
    const secureRows = (JSON.parse(secureStatus.stdout) as { daemons: { reachable: boolean; healthy: boolean }[] })
      .daemons;
    expect(secureRows.filter((r) => r.reachable && r.healthy)).toHaveLength(9);

    // The console follows: HTTPS with the host's certificate, the tokens for its API, and it
    // trusts the daemons' certificates (the cluster CA) to show all nine.
    expect((await httpsJson('GET', `https://${address('vm1')}:${CONSOLE_PORT}/api/overview`, ca)).status).toBe(401);
    await eventually(
      async () => {
        const o = await httpsJson('GET', `https://${address('vm1')}:${CONSOLE_PORT}/api/overview`, ca, { token: RO });
        const daemons = o.body.daemons as { reachable: boolean; ready: boolean }[];
        return o.status === 200 && daemons.filter((d) => d.reachable && d.ready).length === 9;
      },
      30_000,
      500,
    );

    // Prometheus scrapes the daemons over HTTPS, every target up.
    await eventually(
      async () => {
        const t = await getJson<{
          data: { activeTargets: { health: string; scrapeUrl: string; labels: { job: string } }[] };
        }>(`http://${address('vm1')}:9090/api/v1/targets`);
        const targets = t.body.data.activeTargets;
        const dss = targets.filter((a) => a.labels.job.startsWith('dss-'));
        return (
          targets.length === PROMETHEUS_TARGETS &&
          targets.every((a) => a.health === 'up') &&
          dss.length === 12 &&
          dss.every((a) => a.scrapeUrl.startsWith('https://'))
        );
      },
      60_000,
      1000,
    );

    // The phase tags (docs/deployment.md, "Tags"): the configure phase of the roles alone runs
    // its checks and waits without the install and run phases, and changes nothing here.
    const configureOnly = await runPlaybook(
      work,
      join(work, 'configure-run.log'),
      [join(work, 'secure-vars.yml')],
      ['--tags', 'common_configure,redis_configure,dss_configure,prometheus_configure'],
    );
    if (configureOnly.code !== 0)
      throw new Error(
        `ansible-playbook --tags ..._configure failed (${configureOnly.code}):\n${configureOnly.output.slice(-6000)}`,
      );
    expect(configureOnly.changed).toEqual({ vm1: 0, vm2: 0, vm3: 0 });
    expect(configureOnly.output).toMatch(/TASK \[dss : Write the cluster description\]/);
    expect(configureOnly.output).not.toMatch(/TASK \[dss : Start the host's daemons and console under PM2\]/);

    // Teardown leaves no namespace and no process of the deployment behind.
    await net.destroy();
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(
      namespaces.split('\n').filter((l) => HOSTS.some((h) => l.includes(`-${h}`) && l.startsWith('dsse2e'))),
    ).toEqual([]);
    // (Ansible's SSH control masters in the root namespace close on their own after 60 s.)
    const leftovers = spawnSync('pgrep', ['-af', work], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.trim() && !/\bssh\b.*(\[mux\]|ControlPersist)/.test(l));
    expect(leftovers).toEqual([]);
  });
});

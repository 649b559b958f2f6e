import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PEER_HANDSHAKE_TIMEOUT_MS, PEER_MAX_CONNECTIONS } from '../../libs/transport/src/transport-options.js';
import { ensureClusterCerts } from '../../scripts/local-cluster/tls-certs.js';
import { RoguePeer, type RogueCredentials } from '../support/rogue-peer.js';
import { eventually, getJson, postJson, requestJson, TestCluster, testPortOffset } from '../support/local-cluster.js';

// Peer authentication against a real cluster (docs/security.md): processes
// that speak the peer protocol without valid credentials try to win a vote,
// append an entry, invalidate a cache line and take a topic's messages. None
// of it may have an effect, and every attempt is counted in
// dss_peer_rejected_total.

const NODES = ['node1', 'node2', 'node3'];
type Raft = { state: string; term: number; leader: string | null; commitIndex: number };

describe('peer authentication (mutual TLS)', () => {
  jest.setTimeout(120_000);
  const cluster = new TestCluster(testPortOffset() + 10);
  const rogueHome = mkdtempSync(join(tmpdir(), 'dss-rogue-'));
  const peerPort = (role: string, node: string) => cluster.cluster.nodes.find((n) => n.id === node)!.ports[role]!.peer!;
  const raftOf = async (node: string) =>
    (await getJson<{ raft: Raft }>(`${cluster.url('lock', node)}/cluster`)).body.raft;

  /** dss_peer_rejected_total by reason, summed over the three nodes of `role`. */
  async function rejected(role: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const node of NODES) {
      const text = await (await fetch(`${cluster.url(role, node)}/metrics`)).text();
      for (const m of text.matchAll(/^dss_peer_rejected_total\{[^}]*reason="([a-z_]+)"[^}]*\} (\d+)/gm))
        out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
    }
    return out;
  }

  const rogues: [string, RogueCredentials][] = [];

  beforeAll(async () => {
    // The rogues' own Nest clients would log every refused connection.
    Logger.overrideLogger(false);
    const started = await cluster.start();
    if (started.code !== 0) throw new Error(started.output);
    await eventually(async () => (await Promise.all(NODES.map(raftOf))).some((r) => r.state === 'leader'), 30_000, 200);
    // A CA of its own that issues "node1"; and the cluster's own CA issuing a node the cluster does not have.
    ensureClusterCerts(join(rogueHome, 'foreign'), [{ id: 'node1', host: '127.0.0.1' }], 'rogue');
    ensureClusterCerts(join(cluster.home, 'tls'), [{ id: 'node9', host: '127.0.0.1' }]);
    rogues.push(
      ['plain TCP', {}],
      ['a certificate from another CA', { tlsDir: join(rogueHome, 'foreign'), id: 'node1' }],
      ['a cluster certificate for an unknown node', { tlsDir: join(cluster.home, 'tls'), id: 'node9' }],
    );
  }, 180_000);
  afterAll(async () => {
    await cluster.dispose();
    rmSync(rogueHome, { recursive: true, force: true });
  }, 60_000);

  it('lets the members talk: the cluster serves locks, messages and cache lines', async () => {
    expect(
      (await postJson(`${cluster.url('lock', 'node2')}/lock/acquire`, { resource: 'r', owner: 'o', ttlMs: 60_000 }))
        .status,
    ).toBe(200);
    expect(
      (await postJson(`${cluster.url('queue', 'node3')}/queue/publish`, { topic: 't', message: 'x' })).status,
    ).toBe(201);
    expect((await requestJson('PUT', `${cluster.url('cache', 'node1')}/cache/k`, { value: 'v' })).status).toBe(200);
    expect((await getJson(`${cluster.url('cache', 'node2')}/cache/k`)).status).toBe(200);
  });

  it('gives a rogue no vote, no append, no invalidation and no topic', async () => {
    const before = await Promise.all(NODES.map(raftOf));
    const leader = before.find((r) => r.state === 'leader')!;
    const coherence = (await getJson(`${cluster.url('cache', 'node3')}/cache/k/coherence`)).body;
    const topic = (await getJson(`${cluster.url('queue', 'node1')}/queue/t`)).body;
    const rejectedBefore = {
      lock: await rejected('lock'),
      cache: await rejected('cache'),
      queue: await rejected('queue'),
    };

    for (const [, creds] of rogues) {
      const claimed = creds.id ?? 'node1';
      for (const node of NODES) {
        const lock = new RoguePeer('127.0.0.1', peerPort('lock', node), creds);
        const term = leader.term + 50;
        // A vote request that wins any election it reaches, and an append that would overwrite the log.
        await lock.emit('raft.messages', [
          { type: 'vote', from: claimed, to: node, term, lastLogIndex: 1e9, lastLogTerm: term, transfer: true },
        ]);
        await lock.emit('raft.messages', [
          {
            type: 'app',
            from: claimed,
            to: node,
            term,
            prevIndex: leader.commitIndex,
            prevTerm: leader.term,
            commit: leader.commitIndex + 1,
            entries: [{ index: leader.commitIndex + 1, term, command: { type: 'noop' } }],
          },
        ]);
        const forwarded = await lock.send('lock.forward', { op: 'release', body: { resource: 'r', owner: 'o' } });
        expect(forwarded.ok).toBe(false);
        await lock.close();

        const cache = new RoguePeer('127.0.0.1', peerPort('cache', node), creds);
        const invalidate = await cache.send('cache.forward', {
          key: 'k',
          txn: 'rogue-1',
          kind: 'invalidate',
          from: claimed,
        });
        expect(invalidate.ok).toBe(false);
        await cache.close();

        const queue = new RoguePeer('127.0.0.1', peerPort('queue', node), creds);
        const pinged = await queue.send('dss.ping', { from: claimed, role: 'queue' });
        expect(pinged.ok).toBe(false);
        await queue.close();
      }
    }
    // Give any effect time to show (an election timeout is well under this).
    await new Promise((r) => setTimeout(r, 2000));

    const after = await Promise.all(NODES.map(raftOf));
    expect(after.map((r) => [r.term, r.leader])).toEqual(before.map((r) => [r.term, r.leader]));
    expect(after.find((r) => r.state === 'leader')?.commitIndex).toBe(leader.commitIndex);
    expect((await getJson(`${cluster.url('lock', 'node1')}/lock/r`)).body).toMatchObject({ holders: [{ owner: 'o' }] });
    expect((await getJson(`${cluster.url('cache', 'node3')}/cache/k/coherence`)).body).toEqual(coherence);
    expect((await getJson(`${cluster.url('queue', 'node1')}/queue/t`)).body).toEqual(topic);

    // Every attempt was refused and counted: handshakes of the plain and the foreign dialler, the unknown node's messages.
    const after2 = { lock: await rejected('lock'), cache: await rejected('cache'), queue: await rejected('queue') };
    for (const role of ['lock', 'cache', 'queue'] as const) {
      const grew = (reason: string) => (after2[role][reason] ?? 0) - (rejectedBefore[role][reason] ?? 0);
      // Nest's client dials again for each call, so each rogue hits each node at least once.
      expect([role, grew('handshake') >= 2 * NODES.length]).toEqual([role, true]);
      expect([role, grew('unknown_peer') >= NODES.length]).toEqual([role, true]);
    }
  });

  it('refuses a member that claims to be another member', async () => {
    const before = await raftOf('node2');
    const before2 = (await rejected('lock')).spoofed_sender ?? 0;
    // node1's real certificate, speaking for node3.
    const insider = new RoguePeer('127.0.0.1', peerPort('lock', 'node2'), {
      tlsDir: join(cluster.home, 'tls'),
      id: 'node1',
    });
    await insider.emit('raft.messages', [
      {
        type: 'vote',
        from: 'node3',
        to: 'node2',
        term: before.term + 50,
        lastLogIndex: 1e9,
        lastLogTerm: before.term + 50,
        transfer: true,
      },
    ]);
    await insider.close();
    await eventually(async () => ((await rejected('lock')).spoofed_sender ?? 0) > before2, 5000, 100);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await raftOf('node2')).term).toBe(before.term);
  });

  it('closes connections that never finish a handshake, refuses a flood, and keeps serving', async () => {
    const port = peerPort('lock', 'node3');
    const before = await rejected('lock');
    // More silent connections than the server accepts: the extra ones are refused at once,
    // the rest closed when the handshake time runs out.
    const sockets = Array.from({ length: PEER_MAX_CONNECTIONS + 20 }, () => connect({ host: '127.0.0.1', port }));
    const closed = sockets.map(
      (s) => new Promise<void>((done) => s.on('close', () => done()).on('error', () => undefined)),
    );
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, PEER_HANDSHAKE_TIMEOUT_MS + 5000))]);
    const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    for (const s of sockets) s.destroy();
    expect(open).toBe(0);
    const after = await rejected('lock');
    expect((after.connection_limit ?? 0) - (before.connection_limit ?? 0)).toBeGreaterThanOrEqual(20);
    expect((after.handshake ?? 0) - (before.handshake ?? 0)).toBeGreaterThanOrEqual(1);
    // The node still talks to its peers and serves clients.
    expect(
      (
        await postJson(`${cluster.url('lock', 'node3')}/lock/acquire`, {
          resource: 'after-flood',
          owner: 'o',
          ttlMs: 5000,
        })
      ).status,
    ).toBe(200);
  });
});

import type { PeerTlsMaterial } from '@dss/config';
import {
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
  type TlsOptions,
  type ConnectionOptions,
} from 'node:tls';
import { PEER_HANDSHAKE_TIMEOUT_MS } from './transport-options.js';

// Mutual TLS between peers: both sides present a certificate from the cluster
// CA, and the common name is the node id. The server lets only CA-signed
// clients finish the handshake; the client checks that it reached the node it
// dialled (hostnames cannot tell nodes apart when several share one address).

export function peerServerTls(m: PeerTlsMaterial): TlsOptions {
  return {
    ca: m.ca,
    cert: m.cert,
    key: m.key,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    handshakeTimeout: PEER_HANDSHAKE_TIMEOUT_MS,
  };
}

/**
 * One client context per node's material, shared by every dial to every peer. Given
 * `ca`/`cert`/`key`, tls.connect parses the PEM key and certificates again for each
 * connection: 1.6 ms of CPU per dial here against 0.23 ms with a ready context. A
 * node whose peer is down redials it on every Raft heartbeat or cache message (about
 * 30 times a second), so that parsing was most of what a dead peer cost the survivors.
 */
const clientContexts = new WeakMap<PeerTlsMaterial, SecureContext>();

function peerClientContext(m: PeerTlsMaterial): SecureContext {
  let context = clientContexts.get(m);
  if (context === undefined) {
    context = createSecureContext({ ca: m.ca, cert: m.cert, key: m.key, minVersion: 'TLSv1.3' });
    clientContexts.set(m, context);
  }
  return context;
}

export function peerClientTls(m: PeerTlsMaterial, peerId: string): ConnectionOptions {
  return {
    // The context carries the minimum version (TLS 1.3): tls.connect reads it from there.
    secureContext: peerClientContext(m),
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      cert.subject?.CN === peerId
        ? undefined
        : new Error(`peer ${peerId} presented a certificate for "${cert.subject?.CN ?? '?'}"`),
  };
}

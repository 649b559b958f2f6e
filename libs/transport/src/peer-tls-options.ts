import type { PeerTlsMaterial } from '@dss/config';
import type { PeerCertificate, TlsOptions, ConnectionOptions } from 'node:tls';
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

export function peerClientTls(m: PeerTlsMaterial, peerId: string): ConnectionOptions {
  return {
    ca: m.ca,
    cert: m.cert,
    key: m.key,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      cert.subject?.CN === peerId
        ? undefined
        : new Error(`peer ${peerId} presented a certificate for "${cert.subject?.CN ?? '?'}"`),
  };
}

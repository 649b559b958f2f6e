import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { commonName, peerTlsFiles } from '@dss/config/pure';
import { findExecutable } from './redis-server.js';

// The cluster CA and one certificate per node, made with the openssl command
// line (present wherever Redis and Node are). The CA key stays in the
// directory next to the certificates: this is for a local or test cluster, on
// one machine. Ansible does the same for the VMs (roles/dss_pki).

/** Certificates of a local cluster are thrown away with it; a year is plenty. */
export const LOCAL_CERT_DAYS = 365;

export interface CertSubject {
  readonly id: string;
  readonly host: string;
}

function openssl(args: string[]): void {
  const bin = findExecutable('openssl');
  if (!bin)
    throw new Error(
      'the peer certificates need the openssl command (Debian/Ubuntu: sudo apt-get install -y openssl; macOS: brew install openssl)',
    );
  execFileSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Is `certPath` a certificate for `id` issued by the CA in `caPath`, valid for another day? */
function stillGood(certPath: string, caPath: string, id: string): boolean {
  if (!existsSync(certPath)) return false;
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    const ca = new X509Certificate(readFileSync(caPath));
    return (
      commonName(cert) === id && cert.verify(ca.publicKey) && new Date(cert.validTo).getTime() > Date.now() + 86_400_000
    );
  } catch {
    return false;
  }
}

/**
 * Makes `dir`/ca.crt (and ca.key) and `dir`/<id>.crt and <id>.key for every
 * node, keeping whatever is already there and still valid. The common name is
 * the node id (what peers check); the host goes into subjectAltName so that
 * the same certificate can serve HTTPS.
 */
export function ensureClusterCerts(dir: string, nodes: readonly CertSubject[], clusterName = 'dss-local'): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca.key');
  const caCrt = join(dir, 'ca.crt');
  if (!existsSync(caCrt) || !existsSync(caKey)) {
    openssl([
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      caKey,
      '-out',
      caCrt,
      '-days',
      String(LOCAL_CERT_DAYS),
      '-subj',
      `/CN=${clusterName} CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  for (const node of nodes) {
    const files = peerTlsFiles(dir, node.id);
    if (stillGood(files.cert, caCrt, node.id) && existsSync(files.key)) continue;
    const csr = join(dir, `${node.id}.csr`);
    const ext = join(dir, `${node.id}.ext`);
    const san = isIP(node.host) ? `IP:${node.host}` : `DNS:${node.host}`;
    writeFileSync(
      ext,
      [
        `subjectAltName=${san},DNS:${node.id}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth,clientAuth',
        '',
      ].join('\n'),
    );
    openssl(['req', '-new', ...EC_KEY, '-keyout', files.key, '-out', csr, '-subj', `/CN=${node.id}`]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caCrt,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      String(LOCAL_CERT_DAYS),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      files.cert,
    ]);
    rmSync(csr);
    rmSync(ext);
  }
  for (const f of [caKey, ...nodes.map((n) => peerTlsFiles(dir, n.id).key)]) chmodSync(f, 0o600);
}

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import { SETTING_ENV } from './process-settings.js';

/** PEM text of the cluster CA and of this node's certificate and key. */
export interface PeerTlsMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** File names inside DSS_TLS_DIR: one CA for the cluster, one pair per node id. */
export function peerTlsFiles(dir: string, nodeId: string): Record<keyof PeerTlsMaterial, string> {
  return { ca: join(dir, 'ca.crt'), cert: join(dir, `${nodeId}.crt`), key: join(dir, `${nodeId}.key`) };
}

/** The common name of a certificate's subject, which is the node id for peer certificates. */
export function commonName(cert: X509Certificate): string | undefined {
  return cert.subject
    .split('\n')
    .find((l) => l.startsWith('CN='))
    ?.slice(3);
}

/**
 * Reads and checks this node's TLS files at start-up, so that a wrong file is
 * a clear configuration error rather than a handshake every peer refuses:
 * the certificate must be issued by the CA, match the key, name this node and
 * be valid now.
 */
export function loadPeerTls(
  dir: string,
  nodeId: string,
  read: (path: string) => string,
  now = new Date(),
): PeerTlsMaterial {
  const files = peerTlsFiles(dir, nodeId);
  const fail = (problem: string): never => {
    throw new ConfigError(dir, [{ key: SETTING_ENV.tlsDir, problem }]);
  };
  const text = (path: string): string => {
    try {
      return read(path);
    } catch (err) {
      return fail(`cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const material = { ca: text(files.ca), cert: text(files.cert), key: text(files.key) };
  const parse = (pem: string, path: string): X509Certificate => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      return fail(`${path} is not a PEM certificate: ${(err as Error).message}`);
    }
  };
  const ca = parse(material.ca, files.ca);
  const cert = parse(material.cert, files.cert);
  if (!ca.ca) fail(`${files.ca} is not a CA certificate`);
  if (!cert.verify(ca.publicKey)) fail(`${files.cert} was not issued by the CA in ${files.ca}`);
  if (commonName(cert) !== nodeId) fail(`${files.cert} is for "${commonName(cert) ?? '?'}", not for node "${nodeId}"`);
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(material.key));
  } catch (err) {
    fail(`${files.key} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!matches) fail(`${files.key} does not belong to ${files.cert}`);
  for (const [c, path] of [
    [ca, files.ca],
    [cert, files.cert],
  ] as const) {
    if (new Date(c.validFrom) > now || new Date(c.validTo) < now)
      fail(`${path} is valid only from ${c.validFrom} to ${c.validTo}`);
  }
  return material;
}

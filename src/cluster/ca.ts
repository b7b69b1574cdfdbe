// The cluster owner's side of initialisation: what a user does with openssl (make a root CA, sign
// the cluster CSR with it), for `keywarden cluster quickstart` and for tests.

import { createPrivateKey } from 'node:crypto';
import type { Pkcs10CertificateRequest } from '@peculiar/x509';
import { DAY_MS } from '../core/clock.js';
import { x509 } from '../core/x509.js';
import { RSA_SHA256, generateRsaKeyPair } from './certificates.js';

export interface CertificateAuthority {
  /** The root certificate: what InitializeCluster and CreateCustomKeyStore take as the trust anchor. */
  certificatePem: string;
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), readable by openssl as `-CAkey`. */
  privateKeyPem: string;
}

export interface IssueOptions {
  /** When the certificate starts to be valid; the system clock if absent. */
  now?: number;
}

/** A self-signed RSA 2048 root, valid for ten years: `openssl req -x509 -newkey rsa:2048 -days 3650`. */
export async function createCertificateAuthority(
  commonName = 'Keywarden Customer CA',
  options: IssueOptions = {},
): Promise<CertificateAuthority> {
  const now = new Date(options.now ?? Date.now());
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  const keys = await generateRsaKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    notBefore: now,
    notAfter,
    signingAlgorithm: RSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificatePem: cert.toString('pem'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/**
 * Issues the cluster certificate: the CSR's subject and public key, the CA as issuer, valid for
 * `days` days. Like `openssl x509 -req`, it refuses a CSR whose own signature does not verify.
 */
export async function signClusterCsr(
  ca: CertificateAuthority,
  csrPem: string,
  days = 3650,
  options: IssueOptions = {},
): Promise<string> {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive whole number, not ${days}`);
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new Error('The CSR is not a PEM-encoded PKCS#10 certificate signing request.');
  }
  if (!(await csr.verify())) throw new Error("The CSR's signature does not verify: it was changed after it was made.");

  const caCert = new x509.X509Certificate(ca.certificatePem);
  // Node reads any PEM private key (PKCS#1 from older openssl too); WebCrypto only takes PKCS#8.
  const pkcs8 = createPrivateKey(ca.privateKeyPem).export({ format: 'der', type: 'pkcs8' });
  const signingKey = await globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), RSA_SHA256, false, ['sign']);

  const notBefore = options.now ?? Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: csr.subjectName,
    issuer: caCert.subjectName,
    publicKey: csr.publicKey,
    signingKey,
    notBefore: new Date(notBefore),
    notAfter: new Date(notBefore + days * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return cert.toString('pem');
}

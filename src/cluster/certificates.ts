// The X.509 side of cluster initialisation, as the cluster sees it: the CSR its first HSM issues,
// the HSM and hardware certificates that vouch for that HSM, and the checks InitializeCluster makes
// on the certificate the owner's CA signed. Pure: no storage, and time comes in as `now`.

import { createHash, createPublicKey } from 'node:crypto';
// The cluster's services load this module when they first need it (see core/x509.ts).
import { DAY_MS } from '../core/clock.js';
import { x509 } from '../core/x509.js';
import { CertificateRejected } from './certificate-rejected.js';

/** RSA 2048, PKCS#1 v1.5 signatures over SHA-256: what CloudHSM's CSRs use and what openssl signs with. */
export const RSA_SHA256: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

/** An extractable RSA key pair: the CSR key is kept (wrapped) until initialisation, CA keys are written to disk. */
export function generateRsaKeyPair(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(RSA_SHA256, true, ['sign', 'verify']);
}

/** The subject CloudHSM gives the first HSM's CSR, reduced to what identifies the cluster. */
function clusterSubject(clusterId: string): x509.JsonName {
  // JSON names, not 'CN=…' strings, so an id can never be read as a second attribute.
  return [
    { C: ['US'] },
    { ST: ['CA'] },
    { L: ['San Jose'] },
    { O: ['Keywarden'] },
    { OU: [clusterId] },
    { CN: [`HSM:${clusterId}:PARTN:0`] },
  ];
}

export async function generateClusterCsr(clusterId: string, newKeyPair = generateRsaKeyPair): Promise<{ csrPem: string; privateKeyPkcs8: Buffer }> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: clusterSubject(clusterId),
    keys,
    signingAlgorithm: RSA_SHA256,
  });
  const pkcs8 = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), privateKeyPkcs8: Buffer.from(pkcs8) };
}

export interface HsmCertificateSet {
  hsmCertificate: string;
  awsHardwareCertificate: string;
  manufacturerHardwareCertificate: string;
}

const YEAR_MS = 365 * DAY_MS;

interface IssueParams {
  subject: x509.JsonName | x509.Name;
  issuer: x509.JsonName | x509.Name;
  publicKey: x509.PublicKeyType;
  signingKey: CryptoKey;
  from: number;
  to: number;
  ca: boolean;
}

async function issue(p: IssueParams): Promise<x509.X509Certificate> {
  const extensions: x509.Extension[] = [await x509.SubjectKeyIdentifierExtension.create(p.publicKey)];
  if (p.ca) {
    extensions.push(
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  } else {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
  }
  return x509.X509CertificateGenerator.create({
    subject: p.subject,
    issuer: p.issuer,
    publicKey: p.publicKey,
    signingKey: p.signingKey,
    notBefore: new Date(p.from),
    notAfter: new Date(p.to),
    extensions,
  });
}

/**
 * The manufacturer's and the service's root keys, and the hardware key they certify. Like AWS's
 * roots, they are the same for every HSM (here: for the life of the process, as nothing outside
 * it sees the private halves), so they are made once: an RSA key pair is the dearest thing a new
 * cluster costs, about a third of a second of CPU. The hardware key is one for all the HSMs a
 * process runs, as if they were all one appliance: each hardware certificate still names its own
 * HSM and verifies as AWS's do, and only setting two clusters' certificates side by side shows
 * the same public key in both.
 */
let processKeys: Promise<[CryptoKeyPair, CryptoKeyPair, CryptoKeyPair]> | undefined;
const keysOfThisProcess = () => (processKeys ??= Promise.all([generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()]));

/**
 * The HSM's own certificates, as CloudHSM returns them beside the CSR. Two roots (the manufacturer's
 * and the service's, stand-ins for AWS's) each certify the same hardware key; that hardware key
 * signs the HSM certificate. Like AWS, the roots themselves are not returned.
 *
 * Pass the cluster CSR so that the HSM certificate carries its public key: comparing the two is how
 * AWS tells owners to check that the CSR came from an authentic HSM. Call once per cluster, with the
 * service clock's time.
 */
export async function hsmCertificates(
  clusterId: string,
  hsmId?: string,
  options: { clusterCsrPem?: string; now?: number } = {},
): Promise<HsmCertificateSet> {
  const now = options.now ?? Date.now();
  const csr = options.clusterCsrPem === undefined ? undefined : parseCsr(options.clusterCsrPem);
  const [[manufacturerRoot, serviceRoot, hardware], ownKey] = await Promise.all([
    keysOfThisProcess(),
    csr ? undefined : generateRsaKeyPair(),
  ]);
  const hsmPublicKey: x509.PublicKeyType = csr ? csr.publicKey : ownKey!.publicKey;
  const hardwareId = hsmId ?? clusterId;

  const manufacturerName: x509.JsonName = [{ C: ['US'] }, { O: ['Keywarden Hardware'] }, { CN: ['Keywarden HSM Manufacturer Root CA'] }];
  const serviceName: x509.JsonName = [{ C: ['US'] }, { O: ['Keywarden'] }, { OU: ['CloudHSM'] }, { CN: ['Keywarden CloudHSM Root CA'] }];
  const hardwareName: x509.JsonName = [
    { C: ['US'] },
    { O: ['Keywarden Hardware'] },
    { OU: ['HSM hardware'] },
    { CN: [`HSM:${hardwareId}`] },
  ];
  // Hardware is certified when it is made, well before the HSM is handed to a cluster.
  const made = now - YEAR_MS;

  const [manufacturerHardware, serviceHardware, hsm] = await Promise.all([
    issue({
      subject: hardwareName,
      issuer: manufacturerName,
      publicKey: hardware.publicKey,
      signingKey: manufacturerRoot.privateKey,
      from: made,
      to: made + 20 * YEAR_MS,
      ca: true,
    }),
    issue({
      subject: hardwareName,
      issuer: serviceName,
      publicKey: hardware.publicKey,
      signingKey: serviceRoot.privateKey,
      from: made,
      to: made + 20 * YEAR_MS,
      ca: true,
    }),
    issue({
      subject: csr ? csr.subjectName : clusterSubject(clusterId),
      issuer: hardwareName,
      publicKey: hsmPublicKey,
      signingKey: hardware.privateKey,
      from: now,
      to: now + 10 * YEAR_MS,
      ca: false,
    }),
  ]);
  return {
    hsmCertificate: hsm.toString('pem'),
    awsHardwareCertificate: serviceHardware.toString('pem'),
    manufacturerHardwareCertificate: manufacturerHardware.toString('pem'),
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type CertificateRole = 'SignedCert' | 'TrustAnchor' | 'The certificate';

const EXPECTED: Record<CertificateRole, string> = {
  SignedCert: 'the certificate your CA issued from the cluster CSR',
  TrustAnchor: "your CA's self-signed root certificate (customerCA.crt)",
  'The certificate': 'a PEM-encoded X.509 certificate',
};

/**
 * One PEM certificate, whatever its line endings and surrounding whitespace. Each way it can be
 * wrong gets its own message, because the usual mistakes (the CSR itself, a key file, a whole
 * chain) each have a different fix.
 */
function parseCertificatePem(pem: string, role: CertificateRole): x509.X509Certificate {
  const expected = EXPECTED[role];
  if (typeof pem !== 'string' || pem.trim() === '') {
    throw new CertificateRejected('malformed', `${role} is empty: pass ${expected}.`);
  }
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) {
    throw new CertificateRejected(
      'malformed',
      `${role} is not a PEM-encoded X.509 certificate: pass ${expected}, the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.`,
    );
  }
  if (blocks.length > 1) {
    throw new CertificateRejected('malformed', `${role} holds ${blocks.length} PEM blocks: pass exactly one, ${expected}.`);
  }
  const [, label, body] = blocks[0]!;
  if (label!.endsWith('CERTIFICATE REQUEST')) {
    throw new CertificateRejected(
      'malformed',
      `${role} is a certificate signing request, not a certificate: sign the cluster CSR with your CA and pass ${expected}.`,
    );
  }
  if (label !== 'CERTIFICATE' && label !== 'X509 CERTIFICATE') {
    throw new CertificateRejected('malformed', `${role} is a PEM "${label}" block, not an X.509 certificate: pass ${expected}.`);
  }
  const base64 = body!.replace(/\s+/g, '');
  const notACertificate = new CertificateRejected(
    'malformed',
    `${role} is not a valid X.509 certificate: its PEM content does not decode as one. Pass ${expected}.`,
  );
  if (base64 === '' || base64.length % 4 !== 0 || !BASE64.test(base64)) throw notACertificate;
  try {
    const cert = new x509.X509Certificate(Buffer.from(base64, 'base64'));
    // Touch every field the checks read, so a certificate that parses only in part fails here.
    void [cert.subject, cert.issuer, cert.publicKey.rawData, cert.notBefore, cert.notAfter];
    return cert;
  } catch {
    throw notACertificate;
  }
}

/** The cluster's own CSR comes from storage, not from the caller: a bad one is a fault of ours. */
function parseCsr(csrPem: string): x509.Pkcs10CertificateRequest {
  try {
    return new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error(`the cluster CSR is not a PEM-encoded PKCS#10 request: ${(err as Error).message}`);
  }
}

async function signedBy(cert: x509.X509Certificate, key: x509.PublicKey): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: key, signatureOnly: true });
  } catch {
    // An algorithm the key cannot verify (say, an EC signature checked with an RSA key) is a mismatch.
    return false;
  }
}

async function requireCertificateAuthority(anchor: x509.X509Certificate): Promise<void> {
  if (anchor.issuer !== anchor.subject) {
    throw new CertificateRejected(
      'not-a-ca',
      `The trust anchor is not a self-signed root certificate: its issuer "${anchor.issuer}" is not its subject "${anchor.subject}". Pass your CA's root certificate (customerCA.crt).`,
    );
  }
  if (!(await signedBy(anchor, anchor.publicKey))) {
    throw new CertificateRejected(
      'not-a-ca',
      "The trust anchor is not a valid self-signed root certificate: its signature does not verify with its own public key. Pass your CA's root certificate (customerCA.crt).",
    );
  }
  // RFC 5280: a v1 root has no extensions and is still a CA; a v3 one must say so.
  const constraints = anchor.getExtension(x509.BasicConstraintsExtension);
  if (constraints && !constraints.ca) {
    throw new CertificateRejected(
      'not-a-ca',
      'The trust anchor is not a CA certificate: its basicConstraints extension says cA=FALSE. Create the CA certificate with basicConstraints CA:TRUE.',
    );
  }
  const usage = anchor.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new CertificateRejected(
      'not-a-ca',
      'The trust anchor may not sign certificates: its keyUsage extension lacks keyCertSign. Create the CA certificate with keyUsage keyCertSign.',
    );
  }
}

async function requireIssuedBy(cert: x509.X509Certificate, anchor: x509.X509Certificate): Promise<void> {
  if (cert.issuer !== anchor.subject) {
    throw new CertificateRejected(
      'not-signed-by-trust-anchor',
      `The cluster certificate was not signed by the trust anchor. Its issuer "${cert.issuer}" is not the trust anchor's subject "${anchor.subject}": sign the cluster CSR with the CA whose certificate you pass as TrustAnchor.`,
    );
  }
  // The same name proves nothing: anyone can make a CA with that subject. Only the signature does.
  if (!(await signedBy(cert, anchor.publicKey))) {
    throw new CertificateRejected(
      'not-signed-by-trust-anchor',
      "The cluster certificate was not signed by the trust anchor. Its issuer name matches, but its signature does not verify with the trust anchor's public key: sign the cluster CSR with the CA whose certificate you pass as TrustAnchor.",
    );
  }
}

function samePublicKey(a: x509.PublicKey, b: x509.PublicKey): boolean {
  try {
    // Compare the keys, not their encodings: a CA may re-encode the SubjectPublicKeyInfo.
    const key = (spki: x509.PublicKey) => createPublicKey({ key: Buffer.from(spki.rawData), format: 'der', type: 'spki' });
    return key(a).equals(key(b));
  } catch {
    return false;
  }
}

function requireValidAt(cert: x509.X509Certificate, now: number, what: string): void {
  if (now < cert.notBefore.getTime()) {
    throw new CertificateRejected(
      'not-yet-valid',
      `${what} is not valid until ${cert.notBefore.toISOString()}: issue it with a validity period that has already begun.`,
    );
  }
  if (now > cert.notAfter.getTime()) {
    throw new CertificateRejected(
      'expired',
      `${what} expired on ${cert.notAfter.toISOString()}: issue it again with a validity period that includes today.`,
    );
  }
}

export interface ClusterCertificateInput {
  /** InitializeCluster's SignedCert: the cluster CSR signed by the owner's CA. */
  signedCertPem: string;
  /** InitializeCluster's TrustAnchor: the owner's CA root (customerCA.crt). */
  trustAnchorPem: string;
  /** The CSR the cluster issued (Certificates.ClusterCsr). */
  csrPem: string;
  /** The service clock's time, in milliseconds since the epoch. */
  now: number;
}

/**
 * Resolves when the certificates prove what InitializeCluster needs: that the owner's CA (the trust
 * anchor) certified the very key pair the cluster holds. Throws CertificateRejected otherwise.
 */
export async function verifyClusterCertificate(input: ClusterCertificateInput): Promise<void> {
  // Without a time every validity check would quietly pass.
  if (!Number.isFinite(input.now)) throw new TypeError('verifyClusterCertificate needs the time (now, in ms since the epoch)');
  const cert = parseCertificatePem(input.signedCertPem, 'SignedCert');
  const anchor = parseCertificatePem(input.trustAnchorPem, 'TrustAnchor');
  const csr = parseCsr(input.csrPem);
  await requireCertificateAuthority(anchor);
  await requireIssuedBy(cert, anchor);
  if (!samePublicKey(cert.publicKey, csr.publicKey)) {
    throw new CertificateRejected(
      'public-key-mismatch',
      "The cluster certificate does not carry the public key of the cluster's CSR. Sign this cluster's own ClusterCsr, not another request.",
    );
  }
  requireValidAt(cert, input.now, 'The cluster certificate');
  requireValidAt(anchor, input.now, 'The trust anchor');
}

/** SHA-256 of the certificate's DER, lower-case hex: the same for any PEM spelling of one certificate. */
export async function certificateFingerprint(pem: string): Promise<string> {
  const cert = parseCertificatePem(pem, 'The certificate');
  return createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
}

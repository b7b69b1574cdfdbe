import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DAY_MS } from '../core/clock.js';
import { x509 } from '../core/x509.js';
import { createCertificateAuthority, signClusterCsr } from './ca.js';
import { CertificateRejected, type CertificateRejectionReason } from './certificate-rejected.js';
import { certificateFingerprint, generateClusterCsr, generateRsaKeyPair, hsmCertificates, verifyClusterCertificate } from './certificates.js';

const CLUSTER_ID = 'cluster-jxhlf7644ne';
// A fixed time: every certificate below is issued and checked at it, never at the machine's clock.
const NOW = Date.UTC(2025, 4, 20, 12, 0, 0);

// RSA key generation dominates these tests, so the common material is made once.
let shared: Promise<{ csrPem: string; ca: Awaited<ReturnType<typeof createCertificateAuthority>>; signedCertPem: string }> | undefined;
function fixture() {
  shared ??= (async () => {
    const [{ csrPem }, ca] = await Promise.all([generateClusterCsr(CLUSTER_ID), createCertificateAuthority('Keywarden Customer CA', { now: NOW })]);
    const signedCertPem = await signClusterCsr(ca, csrPem, 3650, { now: NOW });
    return { csrPem, ca, signedCertPem };
  })();
  return shared;
}

async function assertRejected(
  input: Parameters<typeof verifyClusterCertificate>[0],
  reason: CertificateRejectionReason,
  message: RegExp,
): Promise<void> {
  await assert.rejects(verifyClusterCertificate(input), (err: unknown) => {
    assert.ok(err instanceof CertificateRejected, `expected CertificateRejected, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

function openssl(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    // Interoperability with openssl is the point of these tests: without it they fail, never skip.
    if (e.code === 'ENOENT') throw new Error('openssl is not installed: it is required to prove that users can sign the cluster CSR with it');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'keywarden-certs-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the cluster CSR is an RSA 2048, SHA-256 PKCS#10 request for the cluster', async () => {
  const { csrPem, privateKeyPkcs8 } = await generateClusterCsr(CLUSTER_ID);
  assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE REQUEST-----\n?$/);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.ok(await csr.verify());
  assert.equal(csr.subject, `C=US, ST=CA, L=San Jose, O=Keywarden, OU=${CLUSTER_ID}, CN=HSM:${CLUSTER_ID}:PARTN:0`);
  assert.equal(csr.signatureAlgorithm.name, 'RSASSA-PKCS1-v1_5');
  assert.equal((csr.signatureAlgorithm as { hash: Algorithm }).hash.name, 'SHA-256');
  assert.equal((csr.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048);

  // The private key is the CSR's: it signs what the CSR's public key verifies.
  const privateKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(privateKeyPkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const publicKey = await csr.publicKey.export({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ['verify']);
  const data = new TextEncoder().encode('proof of possession');
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, data);
  assert.ok(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, signature, data));
});

test('the customer CA is a ten-year self-signed RSA 2048 root with critical CA constraints', async () => {
  const { ca } = await fixture();
  const cert = new x509.X509Certificate(ca.certificatePem);
  assert.equal(cert.subject, 'CN=Keywarden Customer CA');
  assert.ok(await cert.isSelfSigned());
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  assert.ok(constraints?.ca && constraints.critical);
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  assert.ok(usage?.critical);
  assert.equal(usage.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  assert.equal(cert.notBefore.getTime(), NOW);
  assert.equal(cert.notAfter.toISOString(), '2035-05-20T12:00:00.000Z');
  assert.equal((cert.publicKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, 2048);
  assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('happy path: the cluster CSR signed by the customer CA verifies against that CA', async () => {
  const { csrPem, ca, signedCertPem } = await fixture();
  await verifyClusterCertificate({ signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: NOW });

  const cert = new x509.X509Certificate(signedCertPem);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.equal(cert.subject, csr.subject);
  assert.equal(cert.issuer, 'CN=Keywarden Customer CA');
  assert.deepEqual(Buffer.from(cert.publicKey.rawData), Buffer.from(csr.publicKey.rawData));
  assert.equal(cert.notAfter.getTime(), NOW + 3650 * DAY_MS);
  // Valid on its first and its last day.
  await verifyClusterCertificate({ signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: NOW + 3650 * DAY_MS });
});

test('a certificate from another CA with the same name is not signed by the trust anchor', async () => {
  const { csrPem, ca } = await fixture();
  const impostor = await createCertificateAuthority('Keywarden Customer CA', { now: NOW });
  assert.equal(new x509.X509Certificate(impostor.certificatePem).subject, new x509.X509Certificate(ca.certificatePem).subject);
  const signedCertPem = await signClusterCsr(impostor, csrPem, 365, { now: NOW });
  await assertRejected(
    { signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: NOW },
    'not-signed-by-trust-anchor',
    /^The cluster certificate was not signed by the trust anchor\..*signature does not verify with the trust anchor's public key/,
  );
});

test('a certificate from a CA with another name is not signed by the trust anchor', async () => {
  const { csrPem, ca } = await fixture();
  const other = await createCertificateAuthority('Some Other CA', { now: NOW });
  const signedCertPem = await signClusterCsr(other, csrPem, 365, { now: NOW });
  await assertRejected(
    { signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: NOW },
    'not-signed-by-trust-anchor',
    /^The cluster certificate was not signed by the trust anchor\. Its issuer "CN=Some Other CA" is not the trust anchor's subject "CN=Keywarden Customer CA"/,
  );
});

test("a certificate for another key pair does not carry the cluster CSR's key", async () => {
  const { csrPem, ca } = await fixture();
  const otherCsr = await generateClusterCsr(CLUSTER_ID);
  const signedCertPem = await signClusterCsr(ca, otherCsr.csrPem, 365, { now: NOW });
  await assertRejected(
    { signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: NOW },
    'public-key-mismatch',
    /^The cluster certificate does not carry the public key of the cluster's CSR\./,
  );
});

test('input that is not one PEM certificate is rejected with a message that names the mistake', async () => {
  const { csrPem, ca, signedCertPem } = await fixture();
  const trustAnchorPem = ca.certificatePem;
  const cases: Array<[string, RegExp]> = [
    ['', /^SignedCert is empty/],
    ['  \r\n ', /^SignedCert is empty/],
    ['hello, world', /^SignedCert is not a PEM-encoded X.509 certificate\b/],
    ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', /^SignedCert is not a PEM-encoded X.509 certificate\b/],
    ['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----', /^SignedCert is not a valid X.509 certificate/],
    ['-----BEGIN CERTIFICATE-----\n%%% not base64 %%%\n-----END CERTIFICATE-----', /^SignedCert is not a valid X.509 certificate/],
    ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', /^SignedCert is not a valid X.509 certificate/],
    [signedCertPem.replace('-----END CERTIFICATE-----', ''), /^SignedCert is not a PEM-encoded X.509 certificate\b/],
    [csrPem, /^SignedCert is a certificate signing request, not a certificate: sign the cluster CSR with your CA/],
    [ca.privateKeyPem, /^SignedCert is a PEM "PRIVATE KEY" block, not an X.509 certificate/],
    [`${signedCertPem}\n${ca.certificatePem}`, /^SignedCert holds 2 PEM blocks: pass exactly one/],
  ];
  for (const [bad, message] of cases) {
    await assertRejected({ signedCertPem: bad, trustAnchorPem, csrPem, now: NOW }, 'malformed', message);
  }
  await assertRejected({ signedCertPem, trustAnchorPem: 'garbage', csrPem, now: NOW }, 'malformed', /^TrustAnchor is not a PEM-encoded X.509 certificate/);
  await assertRejected({ signedCertPem, trustAnchorPem: csrPem, csrPem, now: NOW }, 'malformed', /^TrustAnchor is a certificate signing request/);
  // A private key must never be echoed back in an error message.
  await assert.rejects(verifyClusterCertificate({ signedCertPem: ca.privateKeyPem, trustAnchorPem, csrPem, now: NOW }), (err: Error) => {
    const body = ca.privateKeyPem.split('\n')[1]!;
    return !err.message.includes(body.slice(0, 16));
  });
});

test('an expired certificate, or one not yet valid, is rejected with its dates', async () => {
  const { csrPem, ca } = await fixture();
  const signedCertPem = await signClusterCsr(ca, csrPem, 30, { now: NOW });
  const trustAnchorPem = ca.certificatePem;
  await assertRejected(
    { signedCertPem, trustAnchorPem, csrPem, now: NOW + 31 * DAY_MS },
    'expired',
    /^The cluster certificate expired on 2025-06-19T12:00:00.000Z: issue it again/,
  );
  await assertRejected(
    { signedCertPem, trustAnchorPem, csrPem, now: NOW - DAY_MS },
    'not-yet-valid',
    /^The cluster certificate is not valid until 2025-05-20T12:00:00.000Z/,
  );
  // The CA's own validity counts too: a cluster certificate that outlives its CA does not help.
  const longLived = await signClusterCsr(ca, csrPem, 20 * 365, { now: NOW });
  await assertRejected({ signedCertPem: longLived, trustAnchorPem, csrPem, now: NOW + 11 * 365 * DAY_MS }, 'expired', /^The trust anchor expired on 2035-05-20/);
});

test('a trust anchor that is not a CA root is rejected', async () => {
  const { csrPem, ca, signedCertPem } = await fixture();
  const subject = new x509.X509Certificate(ca.certificatePem).subjectName;

  // Self-signed, same name as the real CA, but basicConstraints says it is an end entity.
  const keys = await generateRsaKeyPair();
  const endEntity = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    notBefore: new Date(NOW),
    notAfter: new Date(NOW + 365 * DAY_MS),
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  await assertRejected(
    { signedCertPem, trustAnchorPem: endEntity.toString('pem'), csrPem, now: NOW },
    'not-a-ca',
    /^The trust anchor is not a CA certificate: its basicConstraints extension says cA=FALSE\./,
  );

  // A CA that may not sign certificates.
  const crlOnly = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    notBefore: new Date(NOW),
    notAfter: new Date(NOW + 365 * DAY_MS),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign, true)],
  });
  await assertRejected(
    { signedCertPem, trustAnchorPem: crlOnly.toString('pem'), csrPem, now: NOW },
    'not-a-ca',
    /^The trust anchor may not sign certificates: its keyUsage extension lacks keyCertSign\./,
  );

  // The cluster certificate itself passed as the trust anchor (SignedCert and TrustAnchor swapped).
  await assertRejected(
    { signedCertPem: ca.certificatePem, trustAnchorPem: signedCertPem, csrPem, now: NOW },
    'not-a-ca',
    /^The trust anchor is not a self-signed root certificate: its issuer "CN=Keywarden Customer CA" is not its subject/,
  );
});

test('a v1 root without extensions is accepted: only a v3 root must say it is a CA', async () => {
  await inTempDir(async (dir) => {
    const { csrPem } = await fixture();
    // `openssl x509 -req -signkey` makes a self-signed v1 certificate: the oldest way users make a root.
    openssl(dir, 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.csr', '-subj', '/CN=Old School CA');
    openssl(dir, 'x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-out', 'ca.crt', '-days', '3650');
    const v1 = await readFile(join(dir, 'ca.crt'), 'utf8');
    assert.match(openssl(dir, 'x509', '-in', 'ca.crt', '-noout', '-text'), /Version: 1 \(0x0\)/);
    const ca = { certificatePem: v1, privateKeyPem: await readFile(join(dir, 'ca.key'), 'utf8') };
    const signedCertPem = await signClusterCsr(ca, csrPem, 365);
    await verifyClusterCertificate({ signedCertPem, trustAnchorPem: v1, csrPem, now: Date.now() });
  });
});

test('PEM with CRLF line endings and surrounding whitespace is accepted', async () => {
  const { csrPem, ca, signedCertPem } = await fixture();
  const crlf = (pem: string) => `\r\n  \t${pem.trim().replace(/\n/g, '\r\n')}\r\n\r\n  `;
  await verifyClusterCertificate({
    signedCertPem: crlf(signedCertPem),
    trustAnchorPem: crlf(ca.certificatePem),
    csrPem: csrPem.replace(/\n/g, '\r\n'),
    now: NOW,
  });
  assert.equal(await certificateFingerprint(crlf(signedCertPem)), await certificateFingerprint(signedCertPem));
});

test('the fingerprint is the SHA-256 of the DER, the same as openssl computes', async () => {
  const { ca, signedCertPem } = await fixture();
  const fingerprint = await certificateFingerprint(signedCertPem);
  assert.match(fingerprint, /^[0-9a-f]{64}$/);
  assert.notEqual(fingerprint, await certificateFingerprint(ca.certificatePem));
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'cert.pem'), signedCertPem);
    const out = openssl(dir, 'x509', '-in', 'cert.pem', '-noout', '-fingerprint', '-sha256');
    assert.equal(out.trim().split('=')[1]!.replace(/:/g, '').toLowerCase(), fingerprint);
  });
  await assert.rejects(certificateFingerprint('nope'), CertificateRejected);
});

test('openssl signs our CSR with our CA, and that certificate verifies', async () => {
  const { csrPem, ca } = await fixture();
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'csr.pem'), csrPem);
    await writeFile(join(dir, 'ca.crt'), ca.certificatePem);
    await writeFile(join(dir, 'ca.key'), ca.privateKeyPem);
    // What the CloudHSM guide tells users to run.
    openssl(dir, 'x509', '-req', '-in', 'csr.pem', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '365', '-sha256');
    const signedCertPem = await readFile(join(dir, 'cert.pem'), 'utf8');
    // openssl stamps the certificate with the machine's clock, so check it at that clock.
    await verifyClusterCertificate({ signedCertPem, trustAnchorPem: ca.certificatePem, csrPem, now: Date.now() });
  });
});

test('a CA made by openssl req -x509 signs our CSR, and openssl accepts what signClusterCsr issues', async () => {
  const { csrPem } = await fixture();
  await inTempDir(async (dir) => {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'customerCA.key', '-out', 'customerCA.crt', '-days', '3652', '-subj', '/C=US/O=Example Corp/CN=Example Root CA');
    await writeFile(join(dir, 'cluster.csr'), csrPem);
    openssl(dir, 'x509', '-req', '-in', 'cluster.csr', '-CA', 'customerCA.crt', '-CAkey', 'customerCA.key', '-CAcreateserial', '-out', 'cluster.crt', '-days', '3652', '-sha256');
    const trustAnchorPem = await readFile(join(dir, 'customerCA.crt'), 'utf8');
    const now = Date.now();
    await verifyClusterCertificate({ signedCertPem: await readFile(join(dir, 'cluster.crt'), 'utf8'), trustAnchorPem, csrPem, now });

    // And the other way round: what our CA code issues, openssl verifies.
    const ca = { certificatePem: trustAnchorPem, privateKeyPem: await readFile(join(dir, 'customerCA.key'), 'utf8') };
    await writeFile(join(dir, 'ours.crt'), await signClusterCsr(ca, csrPem, 365));
    assert.match(openssl(dir, 'verify', '-CAfile', 'customerCA.crt', 'ours.crt'), /ours\.crt: OK/);
  });
});

test('the HSM certificates chain from the hardware certificates and carry the CSR key', async () => {
  const { csrPem } = await fixture();
  const certs = await hsmCertificates(CLUSTER_ID, 'hsm-ted6ah3oxuc', { clusterCsrPem: csrPem, now: NOW });
  const hsm = new x509.X509Certificate(certs.hsmCertificate);
  const awsHardware = new x509.X509Certificate(certs.awsHardwareCertificate);
  const manufacturerHardware = new x509.X509Certificate(certs.manufacturerHardwareCertificate);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);

  // AWS's own check: the HSM certificate and the cluster CSR hold the same public key.
  assert.deepEqual(Buffer.from(hsm.publicKey.rawData), Buffer.from(csr.publicKey.rawData));
  assert.equal(hsm.subject, csr.subject);
  // Both hardware certificates certify one hardware key, and that key signed the HSM certificate.
  assert.deepEqual(Buffer.from(awsHardware.publicKey.rawData), Buffer.from(manufacturerHardware.publicKey.rawData));
  assert.equal(awsHardware.subject, 'C=US, O=Keywarden Hardware, OU=HSM hardware, CN=HSM:hsm-ted6ah3oxuc');
  assert.equal(hsm.issuer, awsHardware.subject);
  assert.ok(await hsm.verify({ publicKey: awsHardware.publicKey, signatureOnly: true }));
  assert.ok(await hsm.verify({ publicKey: manufacturerHardware.publicKey, signatureOnly: true }));
  // …and each hardware certificate was issued by its own root.
  assert.match(awsHardware.issuer, /CN=Keywarden CloudHSM Root CA/);
  assert.match(manufacturerHardware.issuer, /CN=Keywarden HSM Manufacturer Root CA/);
  assert.equal(awsHardware.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  assert.equal(hsm.notBefore.getTime(), NOW);
  assert.ok(awsHardware.notBefore.getTime() < NOW);

  // openssl follows the same chain.
  await inTempDir(async (dir) => {
    await writeFile(join(dir, 'hw.crt'), certs.awsHardwareCertificate);
    await writeFile(join(dir, 'hsm.crt'), certs.hsmCertificate);
    assert.match(openssl(dir, 'verify', '-partial_chain', '-attime', String(NOW / 1000 + 60), '-CAfile', 'hw.crt', 'hsm.crt'), /hsm\.crt: OK/);
  });

  // Without a CSR the HSM certificate gets a key of its own.
  const standalone = await hsmCertificates(CLUSTER_ID, undefined, { now: NOW });
  assert.match(new x509.X509Certificate(standalone.awsHardwareCertificate).subject, new RegExp(`CN=HSM:${CLUSTER_ID}$`));
});

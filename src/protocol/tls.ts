import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The endpoint's certificate and key: files the operator names, or a self-signed certificate for
// local use that the service makes once in its data directory and reuses, so that the
// AWS_CA_BUNDLE a user points at it stays valid across restarts.

export type TlsSetting = { certFile: string; keyFile: string } | { selfSigned: true };

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  selfSigned: boolean;
}

const VALID_DAYS = 365;
/** A certificate this close to its end is made anew rather than served until clients refuse it. */
const RENEW_BEFORE_MS = 7 * 86_400_000;

export async function loadTls(setting: TlsSetting, dataDir: string, nowMs: number): Promise<TlsMaterial> {
  if ('certFile' in setting) {
    const cert = readTlsFile(setting.certFile, 'certificate');
    const key = readTlsFile(setting.keyFile, 'private key');
    checkPair(cert, key, setting.certFile, setting.keyFile);
    return { cert, key, certFile: setting.certFile, selfSigned: false };
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'localhost.crt');
  const keyFile = join(dir, 'localhost.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile);
    const key = readFileSync(keyFile);
    if (stillGood(cert, key, nowMs)) return { cert, key, certFile, selfSigned: true };
  }
  const made = await selfSignedCertificate(nowMs);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, made.key, { mode: 0o600 });
  writeFileSync(certFile, made.cert, { mode: 0o600 });
  // The modes above apply only to files created now: a file that was there keeps its own.
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o600);
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), certFile, selfSigned: true };
}

/** An ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1, signed by its own key: PEM certificate and PKCS#8 key. */
export async function selfSignedCertificate(nowMs: number): Promise<{ cert: string; key: string }> {
  const { x509 } = await import('../core/x509.js');
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await globalThis.crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive INTEGER
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: ['localhost'] }, { O: ['Keywarden'] }],
    // An hour back, for a client whose clock runs a little behind.
    notBefore: new Date(nowMs - 3_600_000),
    notAfter: new Date(nowMs + VALID_DAYS * 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      // Strict verifiers (Python 3.13's default context) want one even on a self-signed certificate.
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem') + '\n', key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') + '\n' };
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} from ${path}: ${(err as Error).message}`);
  }
}

function checkPair(cert: Buffer, key: Buffer, certFile: string, keyFile: string): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`${certFile} does not hold a PEM certificate (--tls-cert).`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`${keyFile} does not hold a PEM private key (--tls-key).`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(`the private key in ${keyFile} does not belong to the certificate in ${certFile}.`);
  }
}

/** A stored self-signed pair can be served again: readable, matching, and not near its end. */
function stillGood(cert: Buffer, key: Buffer, nowMs: number): boolean {
  try {
    const c = new X509Certificate(cert);
    return c.checkPrivateKey(createPrivateKey(key)) && Date.parse(c.validTo) - RENEW_BEFORE_MS > nowMs && Date.parse(c.validFrom) <= nowMs;
  } catch {
    return false;
  }
}

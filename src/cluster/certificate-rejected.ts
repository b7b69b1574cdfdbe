// Why InitializeCluster refuses a certificate: apart from the X.509 code (certificates.ts), which
// the cluster's services load only when they first check one.

export type CertificateRejectionReason =
  | 'malformed'
  | 'not-a-ca'
  | 'not-signed-by-trust-anchor'
  | 'public-key-mismatch'
  | 'expired'
  | 'not-yet-valid';

/** InitializeCluster's certificates do not prove ownership of the cluster; the message says what to fix. */
export class CertificateRejected extends Error {
  override readonly name = 'CertificateRejected';

  constructor(
    readonly reason: CertificateRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

import { X509Certificate } from 'node:crypto';
import type { StoreFacts } from '../facts.js';
import { fixOf, GUIDE } from '../finding.js';
import { clusterOf, isoTime, type RuleContext, storeEvidence } from './context.js';

// The trust anchor a store was created with is the CA certificate (customerCA.crt) that signed
// its cluster's certificate when the cluster was initialized. A cluster certificate the anchor
// did not issue means the store names a cluster it was not made for; an anchor or cluster
// certificate past its end date is a warning before it becomes a failure.

export function trustAnchorRule(store: StoreFacts, ctx: RuleContext): void {
  const c = clusterOf(store);
  if (!store.trustAnchor || !c?.clusterCertificate) return;
  let anchor: X509Certificate;
  let cert: X509Certificate;
  try {
    anchor = new X509Certificate(store.trustAnchor);
    cert = new X509Certificate(c.clusterCertificate);
  } catch (err) {
    ctx.out.add({
      severity: 'warning',
      code: 'TRUST_ANCHOR_UNREADABLE',
      customKeyStoreId: store.id,
      title: `the trust anchor of ${store.name} or the certificate of cluster ${c.id} cannot be read`,
      cause: `Doctor could not parse one of the certificates as X.509 (${(err as Error).message}), so it could not check that the store's trust anchor signed the cluster's certificate.`,
      evidence: storeEvidence(store),
      fix: fixOf(checkByHand(store, c.id, ctx)),
      guide: GUIDE.connection,
    });
    return;
  }
  const evidence = {
    ...storeEvidence(store),
    'DescribeCustomKeyStores.TrustAnchorCertificate.subject': anchor.subject.replace(/\n/g, ', '),
    'DescribeCustomKeyStores.TrustAnchorCertificate.validTo': isoTime(Date.parse(anchor.validTo)),
    'DescribeClusters.Certificates.ClusterCertificate.issuer': cert.issuer.replace(/\n/g, ', '),
    'DescribeClusters.Certificates.ClusterCertificate.validTo': isoTime(Date.parse(cert.validTo)),
  };
  if (!cert.checkIssued(anchor) || !cert.verify(anchor.publicKey)) {
    ctx.out.add({
      severity: 'error',
      code: 'TRUST_ANCHOR_MISMATCH',
      customKeyStoreId: store.id,
      title: `the trust anchor of ${store.name} did not sign the certificate of cluster ${c.id}`,
      cause: `A key store's trust anchor is the CA certificate that signed its cluster's certificate when the cluster was initialized (customerCA.crt). Cluster ${c.id}'s certificate was not signed by it: the store is pointed at a cluster that was initialized with another CA. Point it at a cluster that shares the original's backup history (created from one of its backups), which keeps its certificate.`,
      evidence,
      fix: fixOf(checkByHand(store, c.id, ctx)),
      guide: GUIDE.connection,
    });
    return;
  }
  for (const [what, x, member] of [
    ['trust anchor', anchor, 'DescribeCustomKeyStores.TrustAnchorCertificate'],
    ['cluster certificate', cert, 'DescribeClusters.Certificates.ClusterCertificate'],
  ] as const) {
    const end = Date.parse(x.validTo);
    if (Number.isFinite(end) && end < ctx.facts.checkedAt) {
      ctx.out.add({
        severity: 'warning',
        code: what === 'trust anchor' ? 'TRUST_ANCHOR_EXPIRED' : 'CLUSTER_CERTIFICATE_EXPIRED',
        customKeyStoreId: store.id,
        title: `the ${what} of ${store.name} expired on ${isoTime(end)}`,
        cause: `${member} is valid until ${isoTime(end)}, which has passed. Clients that check the chain from the cluster to its trust anchor will refuse it.`,
        evidence,
        fix: fixOf(checkByHand(store, c.id, ctx)),
        guide: GUIDE.connection,
      });
    }
  }
}

function checkByHand(store: StoreFacts, clusterId: string, ctx: RuleContext) {
  return {
    say: "Compare the store's trust anchor with the cluster's certificate: openssl must verify the certificate against the anchor.",
    awsCli: [
      `${ctx.cmd.aws('kms', 'describe-custom-key-stores', '--custom-key-store-id', store.id, `--query 'CustomKeyStores[0].TrustAnchorCertificate'`, '--output text')} > customerCA.crt`,
      `${ctx.cmd.aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`, `--query 'Clusters[0].Certificates.ClusterCertificate'`, '--output text')} > cluster.crt`,
      'openssl verify -CAfile customerCA.crt cluster.crt',
    ],
  };
}

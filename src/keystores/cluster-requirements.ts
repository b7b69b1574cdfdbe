import type { ClusterRecord } from '../cluster/model.js';
import { activeHsms } from '../cluster/sessions.js';
import {
  CloudHsmClusterInvalidConfigurationException,
  CloudHsmClusterNotActiveException,
  IncorrectTrustAnchorException,
} from '../kms/errors.js';

// What KMS requires of a cluster that backs an AWS CloudHSM key store. Creating a store,
// pointing it at another cluster and creating a KMS key in it need private subnets in at least
// two Availability Zones and two ACTIVE HSMs in different zones; connecting needs the subnets,
// and finds out about the HSMs asynchronously (INSUFFICIENT_CLOUDHSM_HSMS).

export function requireActive(cluster: ClusterRecord): void {
  if (cluster.state !== 'ACTIVE') {
    throw new CloudHsmClusterNotActiveException(
      `AWS CloudHSM cluster ${cluster.clusterId} is ${cluster.state}, not ACTIVE. Initialize and activate the cluster, or wait until it is ACTIVE.`,
    );
  }
}

/** The configuration ConnectCustomKeyStore checks before it returns: subnets in two or more zones. */
export function requireSubnetZones(cluster: ClusterRecord): void {
  const zones = Object.keys(cluster.subnetMapping).length;
  if (zones < 2) {
    throw new CloudHsmClusterInvalidConfigurationException(
      `AWS CloudHSM cluster ${cluster.clusterId} has private subnets in ${zones} Availability Zone${zones === 1 ? '' : 's'}; a custom key store needs subnets in at least two.`,
    );
  }
}

/** What creating a store, changing its cluster and creating a key need: also two ACTIVE HSMs in different zones. */
export function requireKeyStoreConfiguration(cluster: ClusterRecord): void {
  requireSubnetZones(cluster);
  const active = activeHsms(cluster);
  const zones = new Set(active.map((h) => h.availabilityZone)).size;
  if (zones < 2) {
    throw new CloudHsmClusterInvalidConfigurationException(
      `AWS CloudHSM cluster ${cluster.clusterId} has ${active.length} active HSM${active.length === 1 ? '' : 's'} in ${zones} Availability Zone${zones === 1 ? '' : 's'}; a custom key store needs at least two active HSMs in different Availability Zones. Add one with 'aws cloudhsmv2 create-hsm'.`,
    );
  }
}

/** The certificate given must be the one the cluster was initialized with (customerCA.crt). */
export function requireTrustAnchor(cluster: ClusterRecord, certificate: string): void {
  if (!cluster.trustAnchor || derOf(cluster.trustAnchor) !== derOf(certificate)) {
    throw new IncorrectTrustAnchorException(
      `The trust anchor certificate does not match the one AWS CloudHSM cluster ${cluster.clusterId} was initialized with. Use the content of its customerCA.crt file.`,
    );
  }
}

/** The base64 body of a PEM certificate, so that line breaks and surrounding text do not matter. */
function derOf(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  return (m ? m[1]! : pem).replace(/\s+/g, '');
}

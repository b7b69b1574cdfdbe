import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import {
  CloudHSMV2Client,
  CreateClusterCommand,
  CreateHsmCommand,
  DescribeClustersCommand,
  InitializeClusterCommand,
  type Cluster,
} from '@aws-sdk/client-cloudhsm-v2';
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { createCertificateAuthority, signClusterCsr, type CertificateAuthority } from '../../src/cluster/ca.js';
import { signedJson } from './signed-call.js';

// State that a test needs but does not test, made through the AWS SDK for JavaScript and signed
// calls in this process: each AWS CLI or `keywarden` command costs a new process of most of a
// second of CPU, which the suite pays a thousand times. The commands themselves are proven where
// they are the subject (the runbooks, aws-cli, cloudhsmv2, custom-key-stores, quickstart).

const DEV = { accessKeyId: 'test', secretAccessKey: 'test' };

// One attempt, so that a test sees the service's first answer; and so without keep-alive, as in
// doctor-world.ts: a kept connection the server closes as idle just when a call reuses it would
// fail that call with ECONNRESET, and nothing would try it again.
// (The CloudHSM client, of an older line, takes only a handler made: the KMS client's.)
export const kmsSdk = (endpoint: string, region = 'us-east-1') =>
  new KMSClient({ endpoint, region, credentials: DEV, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
export const hsmSdk = (endpoint: string, region = 'us-east-1') =>
  new CloudHSMV2Client({ endpoint, region, credentials: DEV, maxAttempts: 1, requestHandler: kmsSdk(endpoint, region).config.requestHandler });

/** A call to Keywarden's own APIs (KeywardenAdmin.*, KeywardenHsm.*), signed as the dev credential; throws on an error answer. */
export async function keywardenCall(endpoint: string, target: string, input: unknown, region = 'us-east-1'): Promise<any> {
  const r = await signedJson(endpoint, target, 'keywarden', input, region);
  if (r.status !== 200) throw new Error(`${target} answered ${r.status}: ${r.text}`);
  return r.json;
}

/** Polls until `probe` answers something, for at most `timeoutMs` (20 ms apart: every probe is an in-process call). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let ca: Promise<CertificateAuthority> | undefined;
/** One CA per test process (an RSA key pair is the slow part), valid from an hour ago. */
export const sharedCa = () => (ca ??= createCertificateAuthority('Keywarden Test CA', { now: Date.now() - 3_600_000 }));

export async function describeClusterSdk(hsm: CloudHSMV2Client, clusterId: string): Promise<Cluster> {
  const cluster = (await hsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }))).Clusters?.[0];
  if (!cluster) throw new Error(`cluster ${clusterId} is not there`);
  return cluster;
}

export interface ReadyCluster {
  clusterId: string;
  adminPassword: string;
  kmsuserPassword: string;
  /** The trust anchor's certificate (PEM). */
  trustAnchor: string;
}

/**
 * What `keywarden cluster quickstart` leaves: a cluster in every Availability Zone's first subnet
 * of the Region, HSMs in the first two zones, initialised with a CA's certificate, activated, with
 * kmsuser. Needs a server whose cluster changes take no time (`--cluster-delay-ms 0`).
 */
export async function readyCluster(endpoint: string, region = 'us-east-1', opts: { hsmType?: string; hsms?: number; activate?: boolean } = {}): Promise<ReadyCluster> {
  const hsm = hsmSdk(endpoint, region);
  try {
    const { Subnets } = (await keywardenCall(endpoint, 'KeywardenAdmin.ListSubnets', {}, region)) as { Subnets: Array<{ SubnetId: string; AvailabilityZone: string }> };
    const byAz = new Map<string, string>();
    for (const s of Subnets) if (!byAz.has(s.AvailabilityZone)) byAz.set(s.AvailabilityZone, s.SubnetId);
    const zones = [...byAz.keys()].sort();
    const created = await hsm.send(new CreateClusterCommand({ HsmType: opts.hsmType ?? 'hsm2m.medium', SubnetIds: [...byAz.values()] }));
    const clusterId = created.Cluster!.ClusterId!;
    await until('an UNINITIALIZED cluster', async () => ((await describeClusterSdk(hsm, clusterId)).State === 'UNINITIALIZED' ? true : undefined));
    const count = opts.hsms ?? 2;
    for (let i = 0; i < count; i++) await hsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: zones[i % zones.length]! }));
    const csr = await until('the HSMs and the CSR', async () => {
      const c = await describeClusterSdk(hsm, clusterId);
      return (c.Hsms ?? []).filter((h) => h.State === 'ACTIVE').length >= count ? c.Certificates?.ClusterCsr : undefined;
    });
    const authority = await sharedCa();
    const signed = await signClusterCsr(authority, csr, undefined, { now: Date.now() - 3_600_000 });
    await hsm.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: signed, TrustAnchor: authority.certificatePem }));
    await until('an INITIALIZED cluster', async () => ((await describeClusterSdk(hsm, clusterId)).State === 'INITIALIZED' ? true : undefined));
    const adminPassword = password();
    const kmsuserPassword = password();
    if (opts.activate !== false) {
      const call = (op: string, input: unknown) => keywardenCall(endpoint, `KeywardenHsm.${op}`, { ClusterId: clusterId, ...(input as object) }, region);
      await call('ActivateCluster', { Password: adminPassword });
      const { SessionToken } = await call('Login', { Username: 'admin', Role: 'admin', Password: adminPassword });
      await call('CreateUser', { SessionToken, Username: 'kmsuser', Role: 'crypto-user', Password: kmsuserPassword });
      await call('Logout', { SessionToken });
      await until('an ACTIVE cluster', async () => ((await describeClusterSdk(hsm, clusterId)).State === 'ACTIVE' ? true : undefined));
    }
    return { clusterId, adminPassword, kmsuserPassword, trustAnchor: authority.certificatePem };
  } finally {
    hsm.destroy();
  }
}

/** A custom key store for `cluster`, connected. */
export async function connectedStore(kms: KMSClient, name: string, cluster: ReadyCluster): Promise<string> {
  const id = (
    await kms.send(
      new CreateCustomKeyStoreCommand({ CustomKeyStoreName: name, CloudHsmClusterId: cluster.clusterId, KeyStorePassword: cluster.kmsuserPassword, TrustAnchorCertificate: cluster.trustAnchor }),
    )
  ).CustomKeyStoreId!;
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const state = await until('the connection attempt to end', async () => {
    const s = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!.ConnectionState;
    return s === 'CONNECTING' ? undefined : s;
  });
  if (state !== 'CONNECTED') throw new Error(`the key store ${id} is ${state}`);
  return id;
}

/** 24 alphanumeric characters, as quickstart makes them. */
function password(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(24)].map((b) => alphabet[b % alphabet.length]).join('');
}

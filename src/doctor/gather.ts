import { CloudHSMV2Client, DescribeBackupsCommand, DescribeClustersCommand, type Cluster } from '@aws-sdk/client-cloudhsm-v2';
import { CloudTrailClient, type Event as LookedUpEvent, LookupEventsCommand, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client, type IpPermission } from '@aws-sdk/client-ec2';
import { DescribeCustomKeyStoresCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand, ListKeysCommand, type CustomKeyStoresListEntry, type KeyMetadata } from '@aws-sdk/client-kms';
import type { Service, Target } from './aws-config.js';
import { CRYPTO_OPERATIONS } from './rules/crypto-failures.js';
import { readTrailEvent } from './trail.js';
import {
  type BackupFacts,
  type ClusterFacts,
  type DoctorFacts,
  type HsmUserFacts,
  type KeyFacts,
  type KeywardenFault,
  type NetworkFacts,
  type PermissionFacts,
  type Readable,
  readFailed,
  readOk,
  type SecurityGroupFacts,
  type StoreFacts,
  type SubnetFacts,
  type TrailEvent,
} from './facts.js';

// Reads the facts through the public APIs with the AWS SDK for JavaScript v3, read-only: KMS
// (DescribeCustomKeyStores, ListKeys, DescribeKey, ListAliases), CloudHSM v2 (DescribeClusters,
// DescribeBackups), CloudTrail (LookupEvents) and EC2 (DescribeSubnets, DescribeSecurityGroups).
// A read that is refused or not answered becomes a reason in the facts, never a crash; only the
// first one (the key stores, or the key asked about) ends the run. Every loop over pages is
// bounded.

export interface Clients {
  kms: KMSClient;
  cloudhsm: CloudHSMV2Client;
  cloudtrail: CloudTrailClient;
  ec2: EC2Client;
}

/** Keywarden's own API, read with `--deep`; the CLI (or the console) supplies it. */
export interface KeywardenReader {
  listSubnets(): Promise<SubnetFacts[]>;
  /** The cluster's users as its HSMs hold them. */
  listUsers(clusterId: string): Promise<HsmUserFacts[]>;
  listFaults(): Promise<KeywardenFault[]>;
}

export interface GatherOptions {
  customKeyStoreId?: string;
  keyId?: string;
  deep?: KeywardenReader;
  /** Keys read with DescribeKey at most (ListKeys pages of 100). */
  maxKeys?: number;
  now?: () => number;
}

/** The first reads failed: there is nothing to judge. */
export class CouldNotCheck extends Error {}

const SDK_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 30_000 };

export function makeClients(target: Target): Clients {
  const common = (service: Service) => ({
    region: target.region,
    credentials: target.credentials,
    ...(target.endpoints[service] !== undefined ? { endpoint: target.endpoints[service] } : {}),
  });
  return {
    kms: new KMSClient({ ...common('kms'), requestHandler: SDK_TIMEOUTS }),
    // An older client: its own request handler, and credentials typed by its own packages.
    cloudhsm: new CloudHSMV2Client(common('cloudhsmv2') as ConstructorParameters<typeof CloudHSMV2Client>[0]),
    cloudtrail: new CloudTrailClient({ ...common('cloudtrail'), requestHandler: SDK_TIMEOUTS }),
    ec2: new EC2Client({ ...common('ec2'), requestHandler: SDK_TIMEOUTS }),
  };
}

export function destroyClients(c: Clients): void {
  c.kms.destroy();
  c.cloudhsm.destroy();
  c.cloudtrail.destroy();
  c.ec2.destroy();
}

/** One sentence for a failed read: refused, not answered, or unreachable. */
export function reasonOf(err: unknown, call: string): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $response?: unknown };
  const name = e?.name ?? 'Error';
  const message = (e?.message ?? String(err)).split('\n')[0]!.trim();
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i.test(name)) return `${call} was refused: ${name}: ${message}`;
  if (/UnrecognizedClient|InvalidClientTokenId|InvalidSignature|SignatureDoesNotMatch|ExpiredToken|AuthFailure|MissingAuthenticationToken/i.test(name)) {
    return `${call} was refused: the credentials are not accepted (${name}: ${message})`;
  }
  if (/CredentialsProviderError/.test(name) || /Could not load credentials/i.test(message)) return `no credentials: ${message}`;
  const code = e?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (code && /^E[A-Z]+/.test(code)) return `${call} could not reach the endpoint (${code}: ${message})`;
  if (/TimeoutError|RequestTimeout/i.test(name)) return `${call} timed out`;
  if (/UnknownOperation|InvalidAction|UnsupportedOperation|NotImplemented/i.test(name) || /Deserialization error|parse error|unexpected content|Unexpected token/i.test(message) || e?.$metadata?.httpStatusCode === 404) {
    return `the endpoint does not answer ${call}`;
  }
  return `${call} failed: ${name}: ${message}`;
}

async function attempt<T>(call: string, work: () => Promise<T>): Promise<Readable<T>> {
  try {
    return readOk(await work());
  } catch (err) {
    return readFailed(reasonOf(err, call));
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

const ms = (d: Date | undefined) => (d instanceof Date ? d.getTime() : undefined);

export async function gather(clients: Clients, target: Target, opts: GatherOptions = {}): Promise<DoctorFacts> {
  const now = opts.now ?? Date.now;
  const checkedAt = now();
  const maxKeys = opts.maxKeys ?? 1000;

  // The key asked about, and through it its store.
  let focus: KeyMetadata | undefined;
  if (opts.keyId !== undefined) {
    try {
      focus = (await clients.kms.send(new DescribeKeyCommand({ KeyId: opts.keyId }))).KeyMetadata;
    } catch (err) {
      throw new CouldNotCheck(reasonOf(err, `DescribeKey ${opts.keyId}`));
    }
    if (!focus?.CustomKeyStoreId) {
      throw new CouldNotCheck(`key ${focus?.KeyId ?? opts.keyId} is not in a custom key store (origin ${focus?.Origin ?? 'unknown'}); doctor checks keys in AWS CloudHSM key stores.`);
    }
  }
  const storeId = focus?.CustomKeyStoreId ?? opts.customKeyStoreId;

  const entries: CustomKeyStoresListEntry[] = [];
  try {
    let marker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const out = await clients.kms.send(new DescribeCustomKeyStoresCommand({ ...(storeId ? { CustomKeyStoreId: storeId } : {}), Limit: 1000, Marker: marker }));
      entries.push(...(out.CustomKeyStores ?? []));
      marker = out.Truncated ? out.NextMarker : undefined;
      if (!marker) break;
    }
  } catch (err) {
    throw new CouldNotCheck(reasonOf(err, 'DescribeCustomKeyStores'));
  }
  const stores = entries.filter((s) => (s.CustomKeyStoreType ?? 'AWS_CLOUDHSM') === 'AWS_CLOUDHSM' && s.CustomKeyStoreId && s.CloudHsmClusterId);
  if (storeId && stores.length === 0) throw new CouldNotCheck(`custom key store ${storeId} is not an AWS CloudHSM key store; doctor checks AWS CloudHSM key stores.`);
  const clusterIds = [...new Set(stores.map((s) => s.CloudHsmClusterId!))];

  const [clusters, backups, keys, aliases] = await Promise.all([
    clusterIds.length === 0 ? readOk(new Map<string, ClusterFacts>()) : attempt('CloudHSM v2 DescribeClusters', () => describeClusters(clients, clusterIds)),
    clusterIds.length === 0 ? readOk([] as BackupFacts[]) : attempt('CloudHSM v2 DescribeBackups', () => describeBackups(clients, clusterIds)),
    focus ? readOk({ keys: [{ storeId: focus.CustomKeyStoreId!, facts: keyFacts(focus) }], truncated: false }) : stores.length === 0 ? readOk({ keys: [] as Array<{ storeId: string; facts: KeyFacts }>, truncated: false }) : attempt('KMS ListKeys and DescribeKey', () => keysInStores(clients, new Set(stores.map((s) => s.CustomKeyStoreId!)), maxKeys)),
    stores.length === 0 ? readOk({} as Record<string, string>) : attempt('KMS ListAliases', () => listAliases(clients)),
  ]);
  const keysByStore = new Map<string, KeyFacts[]>();
  if (keys.ok) for (const k of keys.value.keys) keysByStore.set(k.storeId, [...(keysByStore.get(k.storeId) ?? []), k.facts]);

  // What the network and the security groups look like around the clusters that exist.
  const found = clusters.ok ? [...clusters.value.values()] : [];
  const vpcs = [...new Set(found.map((c) => c.vpcId).filter((v): v is string => !!v))];
  const subnetIds = [...new Set(found.flatMap((c) => Object.values(c.subnetMapping)))];
  const groupIds = [...new Set(found.map((c) => c.securityGroup).filter((g): g is string => !!g))];
  const [ec2Subnets, groups] = await Promise.all([
    subnetIds.length === 0 ? readFailed<SubnetFacts[]>('no cluster was found whose VPC doctor could read') : attempt('EC2 DescribeSubnets', () => describeSubnets(clients, vpcs, subnetIds)),
    groupIds.length === 0 ? readOk(new Map<string, SecurityGroupFacts>()) : attempt('EC2 DescribeSecurityGroups', () => describeSecurityGroups(clients, groupIds)),
  ]);
  let network: Readable<NetworkFacts> = ec2Subnets.ok ? readOk({ source: 'EC2 DescribeSubnets', subnets: ec2Subnets.value }) : readFailed(ec2Subnets.reason);
  // With --deep, Keywarden's own list: also the subnets a cluster restored from a backup can use.
  if (!ec2Subnets.ok && opts.deep) {
    const deep = await attempt('KeywardenAdmin.ListSubnets', () => opts.deep!.listSubnets());
    if (deep.ok) network = readOk({ source: 'KeywardenAdmin.ListSubnets', subnets: deep.value });
  }

  // The keys whose backing key's id doctor needs: those that may have lost their material.
  const unavailable = new Set([...keysByStore.values()].flat().filter((k) => k.state === 'Unavailable').map((k) => k.arn));
  if (focus?.Arn) unavailable.add(focus.Arn);
  const trail = await attempt('CloudTrail LookupEvents', () => readTrail(clients, [...unavailable]));

  const users = new Map<string, Readable<HsmUserFacts | undefined>>();
  let faults: Readable<KeywardenFault[]> | undefined;
  if (opts.deep) {
    for (const id of found.filter((c) => c.state === 'ACTIVE').map((c) => c.id)) {
      users.set(id, await attempt(`KeywardenHsm.ListUsers ${id}`, async () => (await opts.deep!.listUsers(id)).find((u) => u.username === 'kmsuser')));
    }
    faults = await attempt('KeywardenAdmin.ListFaults', () => opts.deep!.listFaults());
  }

  const storeFacts: StoreFacts[] = stores.map((s) => {
    const clusterId = s.CloudHsmClusterId!;
    const cluster: Readable<ClusterFacts | undefined> = clusters.ok ? readOk(clusters.value.get(clusterId)) : readFailed(clusters.reason);
    const facts: StoreFacts = {
      id: s.CustomKeyStoreId!,
      name: s.CustomKeyStoreName ?? s.CustomKeyStoreId!,
      clusterId,
      connectionState: s.ConnectionState ?? 'UNKNOWN',
      cluster,
      backups: backups.ok ? readOk(backups.value.filter((b) => b.clusterId === clusterId)) : readFailed(backups.reason),
      keys: keys.ok ? readOk(keysByStore.get(s.CustomKeyStoreId!) ?? []) : readFailed(keys.reason),
      network,
      securityGroup: groups.ok ? readOk(cluster.ok && cluster.value?.securityGroup ? groups.value.get(cluster.value.securityGroup) : undefined) : readFailed(groups.reason),
    };
    if (s.ConnectionErrorCode) facts.connectionErrorCode = s.ConnectionErrorCode;
    if (s.TrustAnchorCertificate) facts.trustAnchor = s.TrustAnchorCertificate;
    const created = ms(s.CreationDate);
    if (created !== undefined) facts.createdAt = created;
    if (opts.deep) facts.kmsuser = users.get(clusterId) ?? readFailed(cluster.ok && cluster.value ? `cluster ${clusterId} is ${cluster.value.state}` : `cluster ${clusterId} was not found`);
    return facts;
  });

  const facts: DoctorFacts = {
    checkedAt,
    region: target.region,
    awsCliOptions: target.awsCliOptions,
    keywardenOptions: target.keywardenOptions,
    tools: target.tools,
    deep: opts.deep !== undefined,
    stores: storeFacts,
    trail,
    aliases: aliases.ok ? aliases.value : {},
  };
  if (target.endpoints.kms !== undefined) facts.endpoint = target.endpoints.kms;
  if (focus?.KeyId) facts.focusKeyId = focus.KeyId;
  if (faults) facts.faults = faults;
  if (keys.ok && keys.value.truncated) facts.keysNotRead = `the account has more than ${maxKeys} keys; doctor read the first ${maxKeys}`;
  return facts;
}

function clusterFacts(c: Cluster): ClusterFacts {
  const facts: ClusterFacts = {
    id: c.ClusterId!,
    state: c.State ?? 'UNKNOWN',
    subnetMapping: { ...(c.SubnetMapping ?? {}) },
    hsms: (c.Hsms ?? []).map((h) => ({ id: h.HsmId!, availabilityZone: h.AvailabilityZone ?? '', state: h.State ?? 'UNKNOWN', ...(h.SubnetId ? { subnetId: h.SubnetId } : {}), ...(h.EniIp ? { eniIp: h.EniIp } : {}) })),
  };
  if (c.StateMessage) facts.stateMessage = c.StateMessage;
  if (c.HsmType) facts.hsmType = c.HsmType;
  if (c.VpcId) facts.vpcId = c.VpcId;
  if (c.SecurityGroup) facts.securityGroup = c.SecurityGroup;
  if (c.Certificates?.ClusterCertificate) facts.clusterCertificate = c.Certificates.ClusterCertificate;
  if (c.SourceBackupId) facts.sourceBackupId = c.SourceBackupId;
  return facts;
}

async function describeClusters(clients: Clients, ids: string[]): Promise<Map<string, ClusterFacts>> {
  const out = new Map<string, ClusterFacts>();
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await clients.cloudhsm.send(new DescribeClustersCommand({ Filters: { clusterIds: ids }, NextToken: token }));
    for (const c of r.Clusters ?? []) if (c.ClusterId) out.set(c.ClusterId, clusterFacts(c));
    token = r.NextToken;
    if (!token) break;
  }
  return out;
}

async function describeBackups(clients: Clients, clusterIds: string[]): Promise<BackupFacts[]> {
  const out: BackupFacts[] = [];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await clients.cloudhsm.send(new DescribeBackupsCommand({ Filters: { clusterIds }, NextToken: token }));
    for (const b of r.Backups ?? []) {
      if (!b.BackupId) continue;
      const facts: BackupFacts = { id: b.BackupId, state: b.BackupState ?? 'UNKNOWN' };
      if (b.ClusterId) facts.clusterId = b.ClusterId;
      const created = ms(b.CreateTimestamp);
      if (created !== undefined) facts.createdAt = created;
      // Newer models have the backup's HSM type; this client's may not.
      const hsmType = (b as { HsmType?: string }).HsmType;
      if (hsmType) facts.hsmType = hsmType;
      out.push(facts);
    }
    token = r.NextToken;
    if (!token) break;
  }
  return out;
}

function keyFacts(m: KeyMetadata): KeyFacts {
  const facts: KeyFacts = { id: m.KeyId!, arn: m.Arn ?? m.KeyId!, state: m.KeyState ?? 'UNKNOWN' };
  if (m.Enabled !== undefined) facts.enabled = m.Enabled;
  if (m.Description) facts.description = m.Description;
  const created = ms(m.CreationDate);
  if (created !== undefined) facts.createdAt = created;
  const deletion = ms(m.DeletionDate);
  if (deletion !== undefined) facts.deletionDate = deletion;
  return facts;
}

/** Every key of the stores: ListKeys, then DescribeKey of each (at most `max`), eight at a time. */
async function keysInStores(clients: Clients, storeIds: Set<string>, max: number): Promise<{ keys: Array<{ storeId: string; facts: KeyFacts }>; truncated: boolean }> {
  const ids: string[] = [];
  let marker: string | undefined;
  let truncated = false;
  while (ids.length < max) {
    const r = await clients.kms.send(new ListKeysCommand({ Limit: 100, Marker: marker }));
    ids.push(...(r.Keys ?? []).map((k) => k.KeyId!).filter(Boolean));
    marker = r.Truncated ? r.NextMarker : undefined;
    if (!marker) break;
  }
  if (ids.length > max || marker) truncated = true;
  const described = await mapLimit(ids.slice(0, max), 8, async (id) => {
    try {
      return (await clients.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata;
    } catch (err) {
      // Deleted between the two calls.
      if ((err as { name?: string }).name === 'NotFoundException') return undefined;
      throw err;
    }
  });
  const keys = described
    .filter((m): m is KeyMetadata => !!m?.CustomKeyStoreId && storeIds.has(m.CustomKeyStoreId))
    .map((m) => ({ storeId: m.CustomKeyStoreId!, facts: keyFacts(m) }));
  return { keys, truncated };
}

async function listAliases(clients: Clients): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let marker: string | undefined;
  for (let page = 0; page < 10; page++) {
    const r = await clients.kms.send(new ListAliasesCommand({ Limit: 100, Marker: marker }));
    for (const a of r.Aliases ?? []) if (a.AliasName && a.TargetKeyId) out[a.AliasName] = a.TargetKeyId;
    marker = r.Truncated ? r.NextMarker : undefined;
    if (!marker) break;
  }
  return out;
}

/** The EventName lookups and how many pages of 50 each may read. */
const TRAIL_QUERIES: Array<[string, number]> = [
  ['ConnectCustomKeyStore', 1],
  ['DisconnectCustomKeyStore', 1],
  ['UpdateCustomKeyStore', 1],
  ['DeleteKey', 4],
  ...CRYPTO_OPERATIONS.map((name): [string, number] => [name, 1]),
];

/**
 * The events doctor reads, newest first: by event name (CloudTrail lets a lookup name one
 * attribute), plus the events of the keys that need their backing key's id. Two at a time: AWS
 * allows LookupEvents two calls a second per account and Region, and the SDK backs off beyond.
 */
async function readTrail(clients: Clients, keyArns: string[]): Promise<TrailEvent[]> {
  const byId = new Map<string, TrailEvent>();
  const lookups: Array<{ key: LookupAttributeKey; value: string; pages: number; byName: boolean }> = [
    ...TRAIL_QUERIES.map(([value, pages]) => ({ key: 'EventName' as LookupAttributeKey, value, pages, byName: true })),
    ...keyArns.slice(0, 50).map((value) => ({ key: 'ResourceName' as LookupAttributeKey, value, pages: 2, byName: false })),
  ];
  const results = await mapLimit(lookups, 2, async (q) => {
    const events: LookedUpEvent[] = [];
    let token: string | undefined;
    for (let page = 0; page < q.pages; page++) {
      const r = await clients.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: q.key, AttributeValue: q.value }], MaxResults: 50, NextToken: token }));
      events.push(...(r.Events ?? []));
      token = r.NextToken;
      if (!token) break;
    }
    return { q, events };
  });
  // Ranks come from the lookups by name, which order each name's events exactly; events only a
  // key's lookup found rank after them.
  for (const { q, events } of results) {
    events.forEach((entry, i) => {
      const e = readTrailEvent(entry, q.byName ? i : 10_000 + i);
      if (!e) return;
      const seen = byId.get(e.id);
      if (!seen || (q.byName && seen.rank >= 10_000)) byId.set(e.id, e);
    });
  }
  return [...byId.values()];
}

async function describeSubnets(clients: Clients, vpcs: string[], ids: string[]): Promise<SubnetFacts[]> {
  const out = new Map<string, SubnetFacts>();
  // Filters, not SubnetIds: a deleted subnet among the ids would fail the whole call.
  const filters = [vpcs.length > 0 ? { Name: 'vpc-id', Values: vpcs } : { Name: 'subnet-id', Values: ids }];
  let token: string | undefined;
  for (let page = 0; page < 20; page++) {
    const r = await clients.ec2.send(new DescribeSubnetsCommand({ Filters: filters, NextToken: token }));
    for (const s of r.Subnets ?? []) {
      if (!s.SubnetId) continue;
      const facts: SubnetFacts = { id: s.SubnetId, availabilityZone: s.AvailabilityZone ?? '', freeAddresses: s.AvailableIpAddressCount ?? 0 };
      if (s.VpcId) facts.vpcId = s.VpcId;
      if (s.CidrBlock) facts.cidrBlock = s.CidrBlock;
      out.set(s.SubnetId, facts);
    }
    token = r.NextToken;
    if (!token) break;
  }
  return [...out.values()];
}

const permissions = (list: IpPermission[] | undefined): PermissionFacts[] =>
  (list ?? []).map((p) => ({
    protocol: p.IpProtocol ?? '-1',
    ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
    ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    groupIds: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId!).filter(Boolean),
    cidrs: [...(p.IpRanges ?? []).map((r) => r.CidrIp!), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6!)].filter(Boolean),
  }));

async function describeSecurityGroups(clients: Clients, ids: string[]): Promise<Map<string, SecurityGroupFacts>> {
  const out = new Map<string, SecurityGroupFacts>();
  const r = await clients.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: ids }] }));
  for (const g of r.SecurityGroups ?? []) {
    if (g.GroupId) out.set(g.GroupId, { id: g.GroupId, inbound: permissions(g.IpPermissions), outbound: permissions(g.IpPermissionsEgress) });
  }
  return out;
}

import { arnOf } from '../../cluster/backups.js';
import type { BackupRecord, ClusterRecord, Hsm, Tag } from '../../cluster/model.js';
import type * as wire from '../../protocol/models/cloudhsmv2.types.js';
import { epochSeconds } from '../wire.js';

// The one mapping between the cluster domain and CloudHSM v2's wire shapes (Cluster, Hsm,
// Backup, Tag). Members without a value are left out, as AWS does.

export const tagsFromWire = (tags: readonly wire.Tag[] | undefined): Tag[] => (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
export const tagsToWire = (tags: Tag[]): wire.Tag[] => tags.map((t) => ({ Key: t.key, Value: t.value }));

export const retentionFromWire = (p: wire.BackupRetentionPolicy | undefined) => (p === undefined ? undefined : { type: p.Type, value: p.Value });

/** Drops members whose value is undefined. */
function defined<T extends object>(out: T): T {
  for (const k of Object.keys(out) as (keyof T)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export function hsmToWire(h: Hsm, c: ClusterRecord): wire.Hsm {
  return defined<wire.Hsm>({
    AvailabilityZone: h.availabilityZone,
    ClusterId: c.clusterId,
    SubnetId: h.subnetId,
    EniId: h.eniId,
    EniIp: h.eniIp,
    HsmId: h.hsmId,
    HsmType: c.hsmType,
    State: h.state,
    StateMessage: h.stateMessage,
  });
}

export function clusterToWire(c: ClusterRecord): wire.Cluster {
  const certs = c.certificates;
  return defined<wire.Cluster>({
    BackupPolicy: 'DEFAULT',
    BackupRetentionPolicy: { Type: 'DAYS', Value: String(c.backupRetentionDays) },
    ClusterId: c.clusterId,
    CreateTimestamp: epochSeconds(c.createdAt),
    Hsms: c.hsms.map((h) => hsmToWire(h, c)),
    HsmType: c.hsmType,
    // Only while the precrypto officer waits for `cluster activate`.
    PreCoPassword: c.state === 'INITIALIZED' ? c.preCoPassword : undefined,
    SecurityGroup: c.securityGroup,
    SourceBackupId: c.sourceBackupId,
    State: c.state,
    StateMessage: c.stateMessage,
    SubnetMapping: c.subnetMapping,
    VpcId: c.vpcId,
    NetworkType: c.networkType,
    Certificates: defined<wire.Certificates>({
      ClusterCsr: certs.clusterCsr,
      HsmCertificate: certs.hsmCertificate,
      AwsHardwareCertificate: certs.awsHardwareCertificate,
      ManufacturerHardwareCertificate: certs.manufacturerHardwareCertificate,
      ClusterCertificate: certs.clusterCertificate,
    }),
    TagList: c.tags.length > 0 ? tagsToWire(c.tags) : undefined,
    Mode: c.mode,
  });
}

export function backupToWire(b: BackupRecord): wire.Backup {
  return defined<wire.Backup>({
    BackupId: b.backupId,
    BackupArn: arnOf(b),
    BackupState: b.state,
    ClusterId: b.clusterId,
    CreateTimestamp: epochSeconds(b.createdAt),
    CopyTimestamp: b.copyTimestamp === undefined ? undefined : epochSeconds(b.copyTimestamp),
    NeverExpires: b.neverExpires,
    SourceRegion: b.sourceRegion,
    SourceBackup: b.sourceBackup,
    SourceCluster: b.sourceCluster,
    DeleteTimestamp: b.state === 'PENDING_DELETION' && b.deleteTimestamp !== undefined ? epochSeconds(b.deleteTimestamp) : undefined,
    TagList: b.tags.length > 0 ? tagsToWire(b.tags) : undefined,
    HsmType: b.hsmType,
    Mode: b.mode,
  });
}

/** CloudHSM's NextToken, present only when there is more. */
export const nextToken = (next: string | undefined): { NextToken?: string } => (next === undefined ? {} : { NextToken: next });

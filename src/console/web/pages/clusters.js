import { facts, fill, h, table } from '../elements.js';
import { stateClass, when } from '../format.js';

// Clusters and HSMs (CloudHSM v2 DescribeClusters and DescribeBackups): each cluster's state, its
// HSMs and their Availability Zones, its subnets, and where it came from. A key store can move
// only to a cluster of the same lineage (made from a backup of the same history), so each
// cluster's chain of backups is spelled out.

const MAX_LINEAGE = 20;

export async function clustersPage(main, { api, alive }) {
  document.title = 'Clusters and HSMs · Keywarden console';
  fill(main, h('h1', { tabindex: -1 }, 'Clusters and HSMs'), h('p', { class: 'loading' }, 'Loading clusters…'));
  const [clusters, backups, subnets] = await Promise.all([
    api.callAll('cloudhsmv2', 'DescribeClusters', { MaxResults: 25 }, 'Clusters'),
    api.callAll('cloudhsmv2', 'DescribeBackups', { MaxResults: 50 }, 'Backups'),
    // Free addresses per subnet come from Keywarden's admin API (AWS shows them through EC2);
    // a caller without it, or another endpoint, simply gets no column.
    api.call('keywarden', 'ListSubnets', {}).then((o) => new Map((o.Subnets ?? []).map((s) => [s.SubnetId, s])), () => new Map()),
  ]);
  if (!alive()) return;
  const backupById = new Map(backups.map((b) => [b.BackupId, b]));
  const clusterById = new Map(clusters.map((c) => [c.ClusterId, c]));

  fill(
    main,
    h('h1', { tabindex: -1 }, 'Clusters and HSMs'),
    table({
      caption: 'CloudHSM clusters',
      empty: 'there are none.',
      rows: clusters,
      columns: [
        { header: 'Cluster ID', rowHeader: true, cell: (c) => h('a', { href: `#/clusters`, 'data-cluster': c.ClusterId, onclick: jumpTo(c.ClusterId) }, c.ClusterId) },
        { header: 'State', cell: (c) => h('span', { class: stateClass(c.State) }, c.State) },
        { header: 'HSMs', cell: (c) => hsmCount(c) },
        { header: 'Availability Zones', cell: (c) => unique((c.Hsms ?? []).map((x) => x.AvailabilityZone)).join(', ') || '—' },
        { header: 'HSM type', cell: (c) => c.HsmType ?? '' },
        { header: 'Source backup', cell: (c) => c.SourceBackupId ?? '—' },
        { header: 'Created', cell: (c) => when(c.CreateTimestamp) },
      ],
    }),
    clusters.map((c) => clusterSection(c, subnets, backupById, clusterById)),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'backups-heading' },
      h('h2', { id: 'backups-heading' }, 'Backups'),
      table({
        caption: 'CloudHSM backups',
        captionHidden: true,
        empty: 'there are none.',
        rows: backups,
        columns: [
          { header: 'Backup ID', rowHeader: true, cell: (b) => b.BackupId },
          { header: 'Cluster', cell: (b) => b.ClusterId ?? '—' },
          { header: 'State', cell: (b) => h('span', { class: stateClass(b.BackupState) }, b.BackupState ?? '') },
          { header: 'Created', cell: (b) => when(b.CreateTimestamp) },
          { header: 'Copied from', cell: (b) => (b.SourceBackup ? `${b.SourceBackup} (${b.SourceCluster ?? '?'}, ${b.SourceRegion ?? '?'})` : '—') },
          { header: 'Never expires', cell: (b) => (b.NeverExpires ? 'Yes' : 'No') },
          { header: 'Deletes at', cell: (b) => (b.DeleteTimestamp ? when(b.DeleteTimestamp) : '—') },
        ],
      }),
    ),
  );
}

function clusterSection(c, subnets, backupById, clusterById) {
  const subnetRows = Object.entries(c.SubnetMapping ?? {}).map(([az, id]) => ({ az, id, known: subnets.get(id) }));
  return h(
    'section',
    { class: 'panel cluster', id: `cluster-${c.ClusterId}`, 'aria-labelledby': `h-${c.ClusterId}`, tabindex: -1 },
    h('h2', { id: `h-${c.ClusterId}` }, c.ClusterId),
    facts([
      ['State', [h('span', { class: stateClass(c.State) }, c.State), c.StateMessage ? ` ${c.StateMessage}` : '']],
      ['VPC', c.VpcId],
      ['Security group', c.SecurityGroup],
      ['Backup retention', c.BackupRetentionPolicy ? `${c.BackupRetentionPolicy.Value} ${c.BackupRetentionPolicy.Type?.toLowerCase() ?? ''}` : undefined],
      ['Lineage', lineage(c, backupById, clusterById)],
    ]),
    table({
      caption: `Subnets of ${c.ClusterId}`,
      empty: 'none.',
      rows: subnetRows,
      columns: [
        { header: 'Availability Zone', rowHeader: true, cell: (s) => s.az },
        { header: 'Subnet', cell: (s) => s.id },
        { header: 'Free addresses', cell: (s) => (s.known ? String(s.known.FreeAddresses) : subnets.size ? 'deleted' : 'not known') },
      ],
    }),
    table({
      caption: `HSMs of ${c.ClusterId}`,
      empty: 'none: a key store cannot connect to a cluster without an active HSM.',
      rows: c.Hsms ?? [],
      columns: [
        { header: 'HSM ID', rowHeader: true, cell: (x) => x.HsmId },
        { header: 'State', cell: (x) => [h('span', { class: stateClass(x.State) }, x.State ?? ''), x.StateMessage ? ` ${x.StateMessage}` : ''] },
        { header: 'Availability Zone', cell: (x) => x.AvailabilityZone ?? '' },
        { header: 'Subnet', cell: (x) => x.SubnetId ?? '' },
        { header: 'ENI IP address', cell: (x) => x.EniIp ?? '' },
      ],
    }),
  );
}

/** "cluster-b ← backup-1 of cluster-a ← …": the backups this cluster was restored from, back to the first cluster. */
export function lineage(cluster, backupById, clusterById) {
  const steps = [cluster.ClusterId];
  let backupId = cluster.SourceBackupId;
  for (let i = 0; backupId && i < MAX_LINEAGE; i++) {
    const backup = backupById.get(backupId);
    if (!backup) {
      steps.push(`${backupId} (no longer listed)`);
      break;
    }
    // A copy to another Region names the backup it was copied from.
    const origin = backup.ClusterId ?? backup.SourceCluster;
    steps.push(`${backupId} of ${origin ?? 'an unknown cluster'}`);
    backupId = clusterById.get(origin)?.SourceBackupId ?? backup.SourceBackup;
  }
  return steps.length === 1 ? `${cluster.ClusterId} (created new, not from a backup)` : steps.join(' ← ');
}

function hsmCount(c) {
  const hsms = c.Hsms ?? [];
  const active = hsms.filter((x) => x.State === 'ACTIVE').length;
  return `${active} active of ${hsms.length}`;
}

const jumpTo = (clusterId) => (event) => {
  event.preventDefault();
  document.getElementById(`cluster-${clusterId}`)?.focus();
};

const unique = (values) => [...new Set(values.filter(Boolean))].sort();

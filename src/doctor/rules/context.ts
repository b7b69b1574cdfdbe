import { CommandLine } from '../commands.js';
import type { BackupFacts, ClusterFacts, DoctorFacts, KeyFacts, KeywardenFault, StoreFacts, SubnetFacts, TrailEvent } from '../facts.js';
import type { EvidenceValue, Findings } from '../finding.js';
import { newestBackup, Procedures } from '../procedures.js';
import type { FixStep } from '../finding.js';
import { concernsStore, newestFirst } from '../trail.js';

/** What every rule gets: the facts, the command builders, and where to put what it finds. */
export interface RuleContext {
  facts: DoctorFacts;
  cmd: CommandLine;
  proc: Procedures;
  out: Findings;
}

export type Rule = (store: StoreFacts, ctx: RuleContext) => void;

export function ruleContext(facts: DoctorFacts, out: Findings): RuleContext {
  const cmd = new CommandLine(facts);
  return { facts, cmd, proc: new Procedures(cmd), out };
}

/** The cluster as read, if it exists and could be read. */
export const clusterOf = (store: StoreFacts): ClusterFacts | undefined => (store.cluster.ok ? store.cluster.value : undefined);

/** The cluster was read and is gone (not returned, or being deleted). */
export const clusterGone = (store: StoreFacts): boolean =>
  store.cluster.ok && (store.cluster.value === undefined || store.cluster.value.state === 'DELETE_IN_PROGRESS' || store.cluster.value.state === 'DELETED');

export const keysOf = (store: StoreFacts): KeyFacts[] => (store.keys.ok ? store.keys.value : []);

export const failedWith = (store: StoreFacts, code: string) => store.connectionState === 'FAILED' && store.connectionErrorCode === code;

export const activeHsms = (c: ClusterFacts) => c.hsms.filter((h) => h.state === 'ACTIVE');

/** The cluster's Availability Zones, those without an ACTIVE HSM first: where HSMs should go. */
export function zonesForHsms(c: ClusterFacts, count: number): string[] {
  const used = new Set(activeHsms(c).map((h) => h.availabilityZone));
  const zones = Object.keys(c.subnetMapping).sort();
  return [...zones.filter((z) => !used.has(z)), ...zones.filter((z) => used.has(z))].slice(0, count);
}

/** The subnets doctor could see, by id (undefined when it could not read them). */
export function subnetsById(store: StoreFacts): Map<string, SubnetFacts> | undefined {
  return store.network.ok ? new Map(store.network.value.subnets.map((s) => [s.id, s])) : undefined;
}

/**
 * Subnets for a cluster restored from a backup: those of the store's cluster that exist and have a
 * free address, else any the network shows in distinct zones, one per Availability Zone.
 */
export function subnetsForRestore(store: StoreFacts): Array<{ availabilityZone: string; subnetId: string }> {
  const known = subnetsById(store);
  if (!known) {
    const c = clusterOf(store);
    return c ? Object.entries(c.subnetMapping).sort().map(([availabilityZone, subnetId]) => ({ availabilityZone, subnetId })) : [];
  }
  const byZone = new Map<string, string>();
  const mapped = new Set(Object.values(clusterOf(store)?.subnetMapping ?? {}));
  const candidates = [...known.values()].filter((s) => s.freeAddresses > 0).sort((a, b) => Number(mapped.has(b.id)) - Number(mapped.has(a.id)) || a.availabilityZone.localeCompare(b.availabilityZone));
  for (const s of candidates) if (!byZone.has(s.availabilityZone)) byZone.set(s.availabilityZone, s.id);
  return [...byZone].sort(([a], [b]) => a.localeCompare(b)).map(([availabilityZone, subnetId]) => ({ availabilityZone, subnetId }));
}

/** The store's events in CloudTrail, newest first (empty when the trail could not be read). */
export function storeEvents(store: StoreFacts, ctx: RuleContext): TrailEvent[] {
  if (!ctx.facts.trail.ok) return [];
  const keyIds = new Set(keysOf(store).map((k) => k.id));
  return ctx.facts.trail.value.filter((e) => concernsStore(e, store.id, keyIds, ctx.facts.aliases)).sort(newestFirst);
}

/** The newest event of one of `names` for the store. */
export const newestNamed = (events: TrailEvent[], ...names: string[]) => events.find((e) => names.includes(e.name));

/** Keywarden faults in force on the store or its cluster (`--deep`). */
export function faultsOf(store: StoreFacts, ctx: RuleContext): KeywardenFault[] {
  const f = ctx.facts.faults;
  if (!f?.ok) return [];
  return f.value.filter((x) => x.customKeyStoreId === store.id || (x.clusterId !== undefined && x.clusterId === store.clusterId));
}

export const isoTime = (ms: number | undefined): string | null => (ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** "CreateKey by alice at 2026-…Z" */
export const describeEvent = (e: TrailEvent): string => `${e.name}${e.service ? ' (by KMS)' : e.username ? ` by ${e.username}` : ''} at ${isoTime(e.time)}`;

/** Evidence members common to every finding about a store. */
export function storeEvidence(store: StoreFacts): Record<string, EvidenceValue> {
  const ev: Record<string, EvidenceValue> = {
    'DescribeCustomKeyStores.CustomKeyStoreId': store.id,
    'DescribeCustomKeyStores.ConnectionState': store.connectionState,
  };
  if (store.connectionErrorCode) ev['DescribeCustomKeyStores.ConnectionErrorCode'] = store.connectionErrorCode;
  ev['DescribeCustomKeyStores.CloudHsmClusterId'] = store.clusterId;
  return ev;
}

/** Evidence of the cluster as DescribeClusters showed it. */
export function clusterEvidence(store: StoreFacts): Record<string, EvidenceValue> {
  if (!store.cluster.ok) return { 'DescribeClusters': `not read: ${store.cluster.reason}` };
  const c = store.cluster.value;
  if (!c) return { 'DescribeClusters.Clusters': `none with id ${store.clusterId}` };
  const ev: Record<string, EvidenceValue> = { 'DescribeClusters.State': c.state };
  if (c.stateMessage) ev['DescribeClusters.StateMessage'] = c.stateMessage;
  ev['DescribeClusters.Hsms'] = c.hsms.length === 0 ? 'none' : c.hsms.map((h) => `${h.id} ${h.availabilityZone} ${h.state}`).join(', ');
  return ev;
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** "a, b and c" */
export function listed(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The guide's repair with a cluster made from a backup of the store's cluster: the newest backup
 * (or `backup`), subnets that exist, and, against Keywarden with --deep while the cluster still
 * exists, a backup taken first so that it holds every key.
 */
export function restoreSteps(store: StoreFacts, ctx: RuleContext, opts: { disconnectFirst: boolean; backup?: BackupFacts; freshBackup?: boolean }): FixStep[] {
  const backups = store.backups.ok ? store.backups.value : [];
  const backup = opts.backup ?? newestBackup(backups);
  const c = clusterOf(store);
  const fresh = (opts.freshBackup ?? true) && ctx.facts.deep && c !== undefined && !clusterGone(store);
  const newerKeys = backup?.createdAt === undefined ? 0 : keysOf(store).filter((k) => (k.createdAt ?? 0) > backup.createdAt!).length;
  return ctx.proc.restoreCluster({
    clusterId: store.clusterId,
    storeId: store.id,
    backup,
    subnets: subnetsForRestore(store),
    hsmType: backup?.hsmType ?? c?.hsmType ?? 'hsm2m.medium',
    disconnectFirst: opts.disconnectFirst,
    ...(fresh ? { takeBackup: ctx.cmd.keywarden('cluster', 'backup', '--cluster-id', store.clusterId) } : {}),
    ...(!fresh && newerKeys > 0 ? { newerKeys } : {}),
  });
}

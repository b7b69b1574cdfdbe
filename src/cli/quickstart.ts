import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createCertificateAuthority, signClusterCsr } from '../cluster/ca.js';
import { type Args, stringOption } from './args.js';
import { call, type ClientConfig, clientConfig, print } from './client.js';

interface WireCluster {
  ClusterId: string;
  State: string;
  CreateTimestamp: number;
  Hsms?: Array<{ HsmId: string; State: string; AvailabilityZone: string }>;
  Certificates?: { ClusterCsr?: string };
}

const WAIT_MS = 120_000;
/** How far quickstart moves a manual service clock while it waits, per look at the cluster. */
const MANUAL_STEP_MS = 1_000;

/**
 * `keywarden cluster quickstart`: everything the CloudHSM guide has an owner do before a cluster
 * can back a custom key store, in one command: a cluster with two HSMs in different Availability
 * Zones, a CA of its own that signs the cluster's CSR, initialisation, activation, and the
 * `kmsuser` crypto user.
 */
export async function quickstart(args: Args): Promise<number> {
  const cfg = await clientConfig(args);
  const caFile = resolve(stringOption(args, 'trust-anchor-file') ?? 'customerCA.crt');
  // hsm1.medium gives a cluster that can rehearse the migration to hsm2m.medium (ModifyCluster).
  const hsmType = stringOption(args, 'hsm-type') ?? 'hsm2m.medium';
  const hsmv2 = (op: string, input: unknown) => call(cfg, `BaldrApiService.${op}`, 'cloudhsm', input);
  const hsm = (op: string, input: unknown) => call(cfg, `KeywardenHsm.${op}`, 'keywarden', input);
  const say = (line: string) => args.options.get('json') !== true && process.stderr.write(`${line}\n`);

  const { Subnets: subnets }: { Subnets: Array<{ SubnetId: string; AvailabilityZone: string }> } = await call(
    cfg,
    'KeywardenAdmin.ListSubnets',
    'keywarden',
    {},
  );
  const byAz = new Map<string, string>();
  for (const s of subnets) if (!byAz.has(s.AvailabilityZone)) byAz.set(s.AvailabilityZone, s.SubnetId);
  if (byAz.size < 2) throw new Error('the account needs subnets in two Availability Zones; add one with keywarden network create-subnet.');
  const zones = [...byAz.keys()].sort().slice(0, 2);

  const created: { Cluster: WireCluster } = await hsmv2('CreateCluster', { HsmType: hsmType, SubnetIds: [...byAz.values()] });
  const clusterId = created.Cluster.ClusterId;
  // Valid from the cluster's creation on the service clock, which may stand behind real time
  // (`serve --clock manual`).
  const issuedAt = Math.min(Date.now(), created.Cluster.CreateTimestamp * 1000);
  const waitFor = clusterWaiter(cfg, clusterId, say);
  say(`created ${clusterId}; waiting for it to be UNINITIALIZED`);
  await waitFor((c) => c.State === 'UNINITIALIZED');
  for (const zone of zones) await hsmv2('CreateHsm', { ClusterId: clusterId, AvailabilityZone: zone });
  say(`added HSMs in ${zones.join(' and ')}; waiting for them to be ACTIVE`);
  const ready = await waitFor((c) => (c.Hsms ?? []).filter((h) => h.State === 'ACTIVE').length >= 2 && !!c.Certificates?.ClusterCsr);

  const ca = await createCertificateAuthority(undefined, { now: issuedAt });
  const signed = await signClusterCsr(ca, ready.Certificates!.ClusterCsr!, undefined, { now: issuedAt });
  await hsmv2('InitializeCluster', { ClusterId: clusterId, SignedCert: signed, TrustAnchor: ca.certificatePem });
  writeFileSync(caFile, ca.certificatePem, { mode: 0o644 });
  say(`initialised with a new CA (certificate in ${caFile}); waiting for INITIALIZED`);
  await waitFor((c) => c.State === 'INITIALIZED');

  const adminPassword = password();
  const kmsuserPassword = password();
  await hsm('ActivateCluster', { ClusterId: clusterId, Password: adminPassword });
  const { SessionToken }: { SessionToken: string } = await hsm('Login', { ClusterId: clusterId, Username: 'admin', Role: 'admin', Password: adminPassword });
  try {
    await hsm('CreateUser', { ClusterId: clusterId, SessionToken, Username: 'kmsuser', Role: 'crypto-user', Password: kmsuserPassword });
  } finally {
    await hsm('Logout', { ClusterId: clusterId, SessionToken });
  }
  await waitFor((c) => c.State === 'ACTIVE');

  const endpoint = cfg.endpoint.origin;
  const command =
    `aws --endpoint-url ${endpoint} kms create-custom-key-store --custom-key-store-name ExampleKeyStore ` +
    `--cloud-hsm-cluster-id ${clusterId} --key-store-password ${kmsuserPassword} ` +
    `--trust-anchor-certificate file://${caFile}`;
  const result = { ClusterId: clusterId, TrustAnchorCertificateFile: caFile, AdminPassword: adminPassword, KmsuserPassword: kmsuserPassword, CreateCustomKeyStoreCommand: command };
  print(args, result, () =>
    [
      `Cluster ${clusterId} is ACTIVE with HSMs in ${zones.join(' and ')}.`,
      `  admin password:    ${adminPassword}`,
      `  kmsuser password:  ${kmsuserPassword}`,
      `  trust anchor:      ${caFile}`,
      'Create a custom key store for it with:',
      `  ${command}`,
    ].join('\n'),
  );
  return 0;
}

/** 24 alphanumeric characters: within CloudHSM's 7–32, and nothing a shell would mangle. */
function password(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(24)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Waits for the cluster to satisfy `done`: in real time, or, when the service's clock is manual
 * (it stands still until advanced), by moving that clock forward a second at a time.
 */
function clusterWaiter(cfg: ClientConfig, clusterId: string, say: (line: string) => void) {
  let manual: boolean | undefined;
  return async (done: (c: WireCluster) => boolean): Promise<WireCluster> => {
    const deadline = Date.now() + WAIT_MS;
    let moved = 0;
    for (;;) {
      const out: { Clusters: WireCluster[] } = await call(cfg, 'BaldrApiService.DescribeClusters', 'cloudhsm', { Filters: { clusterIds: [clusterId] } });
      const cluster = out.Clusters[0];
      if (!cluster) throw new Error(`cluster ${clusterId} disappeared while quickstart was setting it up.`);
      if (done(cluster)) return cluster;
      if (Date.now() > deadline || moved >= WAIT_MS) throw new Error(`cluster ${clusterId} is still ${cluster.State} after ${WAIT_MS / 1000} s; check 'aws cloudhsmv2 describe-clusters'.`);
      if (manual === undefined) {
        const view: { Clock?: string } = await call(cfg, 'KeywardenAdmin.GetClock', 'keywarden', {});
        manual = view.Clock === 'manual';
        if (manual) say('the service clock is manual: moving it forward while the cluster changes');
      }
      if (manual) {
        await call(cfg, 'KeywardenAdmin.AdvanceClock', 'keywarden', { Duration: `${MANUAL_STEP_MS / 1000}s` });
        moved += MANUAL_STEP_MS;
      } else await new Promise((r) => setTimeout(r, 250));
    }
  };
}

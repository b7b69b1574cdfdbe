import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, signClusterCsr } from '../../src/cluster/ca.js';
import { awsAsync, run } from './aws-cli.js';
import { BIN, ROOT } from './server.js';

// Gets a cluster ready the way the seed pages' readers do, through `aws cloudhsmv2`: create the
// cluster and its HSMs, sign the CSR with a CA of one's own, initialize. Needs a server started
// with --cluster-delay-ms 0 (or small) so the asynchronous states pass quickly.

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `keywarden <args> --endpoint URL` with the given standard input (a pipe, not a terminal). */
export async function keywarden(url: string, args: string[], input = '', env: Record<string, string> = {}): Promise<ToolRun> {
  const r = await run(process.execPath, [BIN, ...args, '--endpoint', url], { input, env, cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function awsOk(url: string, args: string[]): Promise<any> {
  const r = await awsAsync(url, args);
  if (r.status !== 0) throw new Error(`aws ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.json ?? {};
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function describeCluster(url: string, clusterId: string): Promise<any> {
  return (await awsOk(url, ['cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`])).Clusters[0];
}

/** A cluster in state INITIALIZED with `hsmCount` ACTIVE HSMs in different Availability Zones. */
export async function initializedCluster(url: string, hsmCount = 2): Promise<string> {
  const net = await keywarden(url, ['network', 'list', '--json']);
  if (net.status !== 0) throw new Error(`keywarden network list failed: ${net.stderr}`);
  const subnets: Array<{ SubnetId: string; AvailabilityZone: string }> = JSON.parse(net.stdout).Subnets;
  const created = await awsOk(url, ['cloudhsmv2', 'create-cluster', '--hsm-type', 'hsm2m.medium', '--subnet-ids', ...subnets.map((s) => s.SubnetId)]);
  const clusterId: string = created.Cluster.ClusterId;
  await until('UNINITIALIZED', async () => ((await describeCluster(url, clusterId)).State === 'UNINITIALIZED' ? true : undefined));
  for (let i = 0; i < hsmCount; i++) {
    await awsOk(url, ['cloudhsmv2', 'create-hsm', '--cluster-id', clusterId, '--availability-zone', subnets[i % subnets.length]!.AvailabilityZone]);
  }
  const csr = await until('the HSMs and the CSR', async () => {
    const c = await describeCluster(url, clusterId);
    return c.Hsms.length === hsmCount && c.Hsms.every((h: { State: string }) => h.State === 'ACTIVE') ? c.Certificates?.ClusterCsr : undefined;
  });
  const ca = await createCertificateAuthority();
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-ca-'));
  writeFileSync(join(dir, 'cluster.crt'), await signClusterCsr(ca, csr));
  writeFileSync(join(dir, 'customerCA.crt'), ca.certificatePem);
  await awsOk(url, [
    'cloudhsmv2',
    'initialize-cluster',
    '--cluster-id',
    clusterId,
    '--signed-cert',
    `file://${join(dir, 'cluster.crt')}`,
    '--trust-anchor',
    `file://${join(dir, 'customerCA.crt')}`,
  ]);
  await until('INITIALIZED', async () => ((await describeCluster(url, clusterId)).State === 'INITIALIZED' ? true : undefined));
  return clusterId;
}

import { run } from './aws-cli.js';
import { hsmSdk, describeClusterSdk, readyCluster } from './sdk-setup.js';
import { BIN, ROOT } from './server.js';

// Clusters for the tests of the CloudHSM tools, made as a reader makes them (create the cluster
// and its HSMs, sign the CSR with a CA of one's own, initialize), through the SDK: `aws cloudhsmv2`
// itself is proven in test/e2e/cloudhsmv2.test.ts. Needs a server started with
// --cluster-delay-ms 0 (or small) so the asynchronous states pass quickly.

export { until } from './sdk-setup.js';

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

export async function describeCluster(url: string, clusterId: string) {
  const hsm = hsmSdk(url);
  try {
    return await describeClusterSdk(hsm, clusterId);
  } finally {
    hsm.destroy();
  }
}

/** A cluster in state INITIALIZED with `hsmCount` ACTIVE HSMs in different Availability Zones. */
export async function initializedCluster(url: string, hsmCount = 2): Promise<string> {
  return (await readyCluster(url, 'us-east-1', { hsms: hsmCount, activate: false })).clusterId;
}

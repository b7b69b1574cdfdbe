import { Agent } from 'node:https';
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { resolveSettings } from '../../doctor/aws-config.js';
import { couldNotCheck, diagnose, type Report } from '../../doctor/diagnose.js';
import { type Clients, CouldNotCheck, destroyClients, gather } from '../../doctor/gather.js';
import type { CallContext } from '../../protocol/service.js';
import { type SelfEndpoint, STORE_DOCTOR_TIMEOUT_MS, type StoreDoctorOptions } from './store-doctor.js';

// The part of the service's doctor that needs the AWS SDK, loaded by storeDoctor on first use.

const SDK_TIMEOUTS = { connectionTimeout: 5_000, requestTimeout: 10_000 };

// The SDK's notice about Node versions would land in the service's log once per client; the
// project states its own Node requirement.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function runStoreDoctor(opts: StoreDoctorOptions, ctx: CallContext, customKeyStoreId: string): Promise<Report> {
  const timeoutMs = opts.timeoutMs ?? STORE_DOCTOR_TIMEOUT_MS;
  const checkedAt = Date.now();
  const self = opts.endpoint();
  const principal = opts.principalOf(ctx.accessKeyId);
  // Commands to paste name the address the caller used, which behind a load balancer is not this node's.
  const shown = self && asReached(self.url, ctx.host);
  const failed = (problem: string) => couldNotCheck({ checkedAt, region: ctx.region, endpoint: shown, deep: false }, problem);
  // Neither can happen for a call that was just verified on a listening server; say so if it does.
  if (!self) return failed('the service does not know its own address yet');
  if (!principal) return failed(`the access key ${ctx.accessKeyId} is no longer in the service's credentials`);
  // As if the caller ran doctor with --endpoint and --region and nothing else set: the printed
  // commands name the endpoint and the Region, so they work when pasted anywhere.
  const settings = resolveSettings({ endpoint: shown ?? self.url, region: ctx.region }, {}, { configFile: {}, credentialsFile: {} });
  const credentials = {
    accessKeyId: principal.accessKeyId,
    secretAccessKey: principal.secretAccessKey,
    ...(principal.sessionToken !== undefined ? { sessionToken: principal.sessionToken } : {}),
  };
  const target = { ...settings, credentials: async () => credentials };
  const clients = loopbackClients(self, ctx.region, credentials);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<Report>((resolve) => {
    timer = setTimeout(() => resolve(failed(`doctor's reads did not finish within ${timeoutMs / 1000} seconds`)), timeoutMs);
  });
  const run = (async () => {
    try {
      return diagnose(await gather(clients, target, { customKeyStoreId, ...(opts.maxKeys !== undefined ? { maxKeys: opts.maxKeys } : {}) }));
    } catch (err) {
      if (err instanceof CouldNotCheck) return failed(err.message);
      throw err;
    }
  })();
  try {
    return await Promise.race([run, expired]);
  } finally {
    clearTimeout(timer);
    // Ends the sockets of reads the time limit abandoned.
    destroyClients(clients);
  }
}

/** The service's URL with the host and port the caller's signed Host header names, when it names one. */
export function asReached(selfUrl: string, host: string | undefined): string {
  if (!host || host.length > 255 || !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return selfUrl;
  const url = new URL(selfUrl);
  return `${url.protocol}//${host}`;
}

/** Doctor's four clients, each pointed at the service itself; one attempt each, so a refusal is not retried against ourselves. */
function loopbackClients(self: SelfEndpoint, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Clients {
  const requestHandler = { ...SDK_TIMEOUTS, ...(self.ca ? { httpsAgent: new Agent({ ca: self.ca }) } : {}) };
  const common = { region, credentials, endpoint: self.url, maxAttempts: 1, requestHandler };
  const kms = new KMSClient(common);
  return {
    kms,
    // An older client that takes only a handler, not its options: it shares the KMS client's, so
    // that it too keeps the time limits and trusts the service's certificate.
    cloudhsm: new CloudHSMV2Client({ ...common, requestHandler: kms.config.requestHandler } as unknown as ConstructorParameters<typeof CloudHSMV2Client>[0]),
    cloudtrail: new CloudTrailClient(common),
    ec2: new EC2Client(common),
  };
}


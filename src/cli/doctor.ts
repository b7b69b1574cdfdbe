import { type Args, stringOption, UsageError } from './args.js';
import { call, type ClientConfig } from './client.js';
import { resolveTarget, type Target, TargetError } from '../doctor/aws-config.js';
import { couldNotCheck, diagnose, type Report } from '../doctor/diagnose.js';
import type { HsmUserFacts, KeywardenFault, SubnetFacts } from '../doctor/facts.js';
import { CouldNotCheck, destroyClients, gather, type KeywardenReader, makeClients } from '../doctor/gather.js';
import { renderText } from '../doctor/render-text.js';

/**
 * `keywarden doctor`: the troubleshooting guide, run by the machine. The endpoint and credentials
 * come from the AWS chain (profiles, AWS_ENDPOINT_URL…, --profile, --region) with --endpoint and
 * KEYWARDEN_ENDPOINT on top, so the same command checks a Keywarden or an AWS account.
 */
export async function doctor(args: Args): Promise<number> {
  check(args);
  const json = args.options.get('json') === true;
  const deep = args.options.get('deep') === true;
  const keyId = stringOption(args, 'key-id');
  const customKeyStoreId = stringOption(args, 'custom-key-store-id');
  const checkedAt = Date.now();
  // The SDK's notice about Node versions would be noise in a report; the project states its own.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  let report: Report;
  let target: Target | undefined;
  try {
    target = await resolveTarget({ profile: stringOption(args, 'profile'), region: stringOption(args, 'region'), endpoint: stringOption(args, 'endpoint') });
    if (deep && target.endpoints.kms === undefined) {
      throw new UsageError("--deep reads Keywarden's own API, so it needs Keywarden's endpoint: --endpoint URL, AWS_ENDPOINT_URL or KEYWARDEN_ENDPOINT.");
    }
    const clients = makeClients(target);
    try {
      const facts = await gather(clients, target, {
        ...(keyId !== undefined ? { keyId } : {}),
        ...(customKeyStoreId !== undefined ? { customKeyStoreId } : {}),
        ...(deep ? { deep: keywardenReader(target) } : {}),
      });
      report = diagnose(facts);
    } finally {
      destroyClients(clients);
    }
  } catch (err) {
    if (!(err instanceof CouldNotCheck || err instanceof TargetError)) throw err;
    report = couldNotCheck({ checkedAt, region: target?.region ?? stringOption(args, 'region') ?? '(no Region)', endpoint: target?.endpoints.kms, deep, keyId }, err.message);
  }
  process.stdout.write(json ? JSON.stringify(report) + '\n' : renderText(report, { color: process.stdout.isTTY === true && !process.env.NO_COLOR }));
  return report.exitCode;
}

function check(args: Args): void {
  if (args.positional.length > 0) throw new UsageError(`doctor takes options only; unexpected '${args.positional.join(' ')}'. Run 'keywarden help' for them.`);
  if (args.options.has('key-id') && args.options.has('custom-key-store-id')) {
    throw new UsageError('give doctor --key-id or --custom-key-store-id, not both: a key names its store.');
  }
  for (const name of ['key-id', 'custom-key-store-id', 'profile', 'region', 'endpoint']) {
    if (stringOption(args, name) === '') throw new UsageError(`--${name} needs a value.`);
  }
}

/** Keywarden's admin and HSM APIs, signed with the credentials the AWS chain found. */
export function keywardenReader(target: Target): KeywardenReader {
  let config: Promise<ClientConfig> | undefined;
  const cfg = () =>
    (config ??= target.credentials().then((c) => ({ endpoint: new URL(target.endpoints.kms!), accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, region: target.region })));
  return {
    async listSubnets(): Promise<SubnetFacts[]> {
      const out: { Subnets: Array<{ SubnetId: string; VpcId: string; AvailabilityZone: string; CidrBlock: string; FreeAddresses: number }> } = await call(await cfg(), 'KeywardenAdmin.ListSubnets', 'keywarden', {});
      return out.Subnets.map((s) => ({ id: s.SubnetId, availabilityZone: s.AvailabilityZone, freeAddresses: s.FreeAddresses, vpcId: s.VpcId, cidrBlock: s.CidrBlock }));
    },
    async listUsers(clusterId: string): Promise<HsmUserFacts[]> {
      const out: {
        Users: Array<{ UserId: number; Username: string; Role: string; Locked: boolean; LoginFailureCount: number; Sessions?: Array<{ Client: string; OpenedAt: number }> }>;
      } = await call(await cfg(), 'KeywardenHsm.ListUsers', 'keywarden', { ClusterId: clusterId });
      return out.Users.map((u) => ({
        username: u.Username,
        role: u.Role,
        locked: u.Locked,
        failedLogins: u.LoginFailureCount,
        userId: u.UserId,
        ...(u.Sessions ? { sessions: u.Sessions.map((s) => ({ client: s.Client, openedAt: s.OpenedAt * 1000 })) } : {}),
      }));
    },
    async listFaults(): Promise<KeywardenFault[]> {
      const out: { Faults: Array<{ Fault: string; ClusterId?: string; CustomKeyStoreId?: string; SessionsPerHsm?: number }> } = await call(await cfg(), 'KeywardenAdmin.ListFaults', 'keywarden', {});
      return out.Faults.map((f) => ({
        fault: f.Fault,
        ...(f.ClusterId ? { clusterId: f.ClusterId } : {}),
        ...(f.CustomKeyStoreId ? { customKeyStoreId: f.CustomKeyStoreId } : {}),
        ...(f.SessionsPerHsm !== undefined ? { sessionsPerHsm: f.SessionsPerHsm } : {}),
      }));
    },
  };
}

import type { Random } from '../core/random.js';

// Identifiers shaped like AWS's: CloudHSM ids are a prefix and 11 lower-case base32 characters
// (`cluster-igklspoyj5v`), EC2 ids a prefix and 17 hex digits (`subnet-0e358c43a1b2c3d4e`).

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(random: Random, n: number): string {
  const bytes = random.bytes(n);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

const hex17 = (random: Random) => random.bytes(9).toString('hex').slice(0, 17);

export const newClusterId = (r: Random) => `cluster-${base32(r, 11)}`;
export const newHsmId = (r: Random) => `hsm-${base32(r, 11)}`;
export const newBackupId = (r: Random) => `backup-${base32(r, 11)}`;
export const newEniId = (r: Random) => `eni-${hex17(r)}`;
export const newVpcId = (r: Random) => `vpc-${hex17(r)}`;
export const newSubnetId = (r: Random) => `subnet-${hex17(r)}`;
export const newSecurityGroupId = (r: Random) => `sg-${hex17(r)}`;

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A password CloudHSM accepts (7–32 alphanumeric characters), for the precrypto officer. */
export function newPassword(random: Random, length = 16): string {
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % ALNUM.length);
  let out = '';
  while (out.length < length) {
    for (const b of random.bytes(length)) if (b < limit && out.length < length) out += ALNUM[b % ALNUM.length];
  }
  return out;
}

export const backupArn = (region: string, accountId: string, backupId: string) =>
  `arn:aws:cloudhsm:${region}:${accountId}:backup/${backupId}`;
export const clusterArn = (region: string, accountId: string, clusterId: string) =>
  `arn:aws:cloudhsm:${region}:${accountId}:cluster/${clusterId}`;

/** Splits a CloudHSM ARN (`arn:aws:cloudhsm:<region>:<account>:backup/backup-…`) into its parts. */
export function parseCloudHsmArn(arn: string): { region: string; accountId: string; kind: string; id: string } | undefined {
  const m = /^arn:aws(?:-us-gov)?:cloudhsm:([a-z0-9-]+):(\d{12}):(backup|cluster|hsm)\/(\S+)$/.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, kind: m[3]!, id: m[4]! } : undefined;
}

import type { ApiCall } from '../core/api-call.js';

/** How the calls of one service on the endpoint are recorded. */
export interface AuditedService {
  eventSource: string;
  /** CloudTrail's `readOnly`: the call reads or uses a resource without changing it. */
  readOnly(operation: string): boolean;
  /** The ARNs of the KMS keys a call acted on, in CloudTrail's order (ReEncrypt: source, then destination). */
  keyArns?(call: ApiCall): string[];
  /** Operations of the service that are not recorded at all. */
  unrecorded?: ReadonlySet<string>;
}

const READS = /^(?:Describe|Get|List)/;

/** KMS counts the cryptographic operations as read-only: they use a key and change nothing. */
const KMS_CRYPTO = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateRandom',
  'GenerateMac',
  'VerifyMac',
  'Sign',
  'Verify',
  'DeriveSharedSecret',
]);

/**
 * The services whose calls the trail records, by X-Amz-Target prefix. Not recorded: the HSM
 * client protocol (`KeywardenHsm`, what the CloudHSM command-line tools speak; on AWS those
 * commands reach the HSMs' own audit logs, never CloudTrail, and they carry passwords), and reads
 * of the trail itself (LookupEvents, `keywarden audit export` and `audit verify`), so reading the
 * trail never grows it.
 */
export const AUDITED_SERVICES: Readonly<Record<string, AuditedService>> = {
  TrentService: {
    eventSource: 'kms.amazonaws.com',
    readOnly: (op) => KMS_CRYPTO.has(op) || READS.test(op),
    keyArns: kmsKeyArns,
  },
  BaldrApiService: {
    eventSource: 'cloudhsm.amazonaws.com',
    readOnly: (op) => READS.test(op),
  },
  // Keywarden's own control plane (clock, network, on-demand backups): AWS has no such service,
  // so its records carry an event source of Keywarden's own.
  KeywardenAdmin: {
    eventSource: 'keywarden.amazonaws.com',
    // DiagnoseCustomKeyStore only reads, through the public API (whose reads have records of their own).
    readOnly: (op) => READS.test(op) || op === 'DiagnoseCustomKeyStore',
    unrecorded: new Set(['ExportAuditEvents', 'VerifyAuditTrail']),
  },
};

const KEY_ARN = /^arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+$/;
/** KMS's KeyIdType allows 2048 characters. */
const MAX_KEY_ID_LENGTH = 2048;
/** A key id as a caller may send it: a UUID, or a multi-Region key's `mrk-` and 32 hex digits. */
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;

/**
 * The keys a KMS call acted on. The answer names them by ARN when the call succeeded (also when
 * the caller used an alias); a failed call only has what the caller sent, and an alias there
 * names no key.
 */
function kmsKeyArns(call: ApiCall): string[] {
  const arns: string[] = [];
  const add = (v: unknown) => {
    // A rejected call's KeyId can be any length; no key's ARN is longer than a KeyId may be.
    if (typeof v !== 'string' || v.length > MAX_KEY_ID_LENGTH) return;
    const arn = KEY_ID.test(v) ? `arn:aws:kms:${call.ctx.region}:${call.ctx.accountId}:key/${v}` : v;
    if (KEY_ARN.test(arn) && !arns.includes(arn)) arns.push(arn);
  };
  const out = call.output as Record<string, any> | undefined;
  if (out) {
    add(out.KeyMetadata?.Arn);
    add(out.SourceKeyId);
    add(out.KeyId);
  }
  const input = call.input as Record<string, unknown> | undefined;
  if (input && typeof input === 'object') {
    if (arns.length === 0) add(input.KeyId);
    add(input.TargetKeyId);
    add(input.DestinationKeyId);
  }
  return arns;
}

import { malformedPolicyMessage, parsePolicy } from '../authz/index.js';
import { LimitExceededException, MalformedPolicyDocumentException } from './errors.js';

/** KMS keeps key policies up to 32 KiB. */
const POLICY_LIMIT = 32_768;

/** The policy AWS attaches when CreateKey has none: the account may manage and use the key through IAM. */
export function defaultKeyPolicy(accountId: string): string {
  const policy = {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
  return JSON.stringify(policy, null, 2);
}

/** Checks that a policy document is one KMS would store; it is kept exactly as sent. */
export function checkPolicyDocument(policy: string): void {
  if (Buffer.byteLength(policy, 'utf8') > POLICY_LIMIT) {
    throw new LimitExceededException(`Policy document exceeds the maximum size of ${POLICY_LIMIT} bytes.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new MalformedPolicyDocumentException('The key policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MalformedPolicyDocumentException('The key policy must be a JSON object.');
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  if (statements === undefined || (typeof statements !== 'object' || statements === null)) {
    throw new MalformedPolicyDocumentException('The key policy must contain a Statement.');
  }
  // The grammar of policies (elements, effects, principals, condition operators), as KMS checks it.
  const parsed = parsePolicy(policy, 'key');
  if (!parsed.ok) throw new MalformedPolicyDocumentException(malformedPolicyMessage(parsed.problems));
}

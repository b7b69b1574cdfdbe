/**
 * A key policy of 20 statements with conditions, as a large organisation writes them: the account
 * delegation first, then key administrators, key users with encryption-context and algorithm
 * conditions, service access through kms:ViaService, and explicit denies that do not match the
 * bench's requests. Every statement is evaluated for every call, so it measures the evaluator.
 */
export function twentyStatementPolicy(accountId: string): string {
  const root = `arn:aws:iam::${accountId}:root`;
  const user = (name: string) => `arn:aws:iam::${accountId}:user/${name}`;
  const statements: object[] = [{ Sid: 'EnableIam', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }];
  for (let i = 0; i < 5; i++) {
    statements.push({
      Sid: `Admins${i}`,
      Effect: 'Allow',
      Principal: { AWS: [user(`admin-${i}`), user(`ops-${i}`)] },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    });
  }
  for (let i = 0; i < 6; i++) {
    statements.push({
      Sid: `Users${i}`,
      Effect: 'Allow',
      Principal: { AWS: user(`app-${i}`) },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { [`kms:EncryptionContext:tenant`]: `tenant-${i}` }, 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': ['tenant', 'purpose*'] } },
    });
  }
  for (let i = 0; i < 4; i++) {
    statements.push({
      Sid: `Service${i}`,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `service-${i}.us-east-1.amazonaws.com` } },
    });
  }
  for (let i = 0; i < 4; i++) {
    statements.push({
      Sid: `Deny${i}`,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/quarantined': `level-${i}` }, NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } },
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Id: 'bench-20-statements', Statement: statements });
}

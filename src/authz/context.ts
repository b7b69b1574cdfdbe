/**
 * What the evaluator knows about one request: who asks, for what, on which key, and the values
 * that condition keys read. The caller fills it from the signed request and the key's record;
 * nothing here is looked up later.
 */

export type PrincipalType = 'root' | 'user' | 'assumed-role' | 'federated-user' | 'service';

export interface RequestPrincipal {
  /** The caller's ARN: `arn:aws:iam::A:root`, `…:user/path/name`, `arn:aws:sts::A:assumed-role/role/session`, … */
  readonly arn: string;
  readonly accountId: string;
  readonly type: PrincipalType;
  /** For an assumed-role session: the role's IAM ARN (with its path, when known). */
  readonly roleArn?: string;
  /** aws:userid. */
  readonly userId?: string;
  /** aws:PrincipalTag/<key>. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The KMS key the request acts on. Absent for actions that have no key (CreateKey, ListKeys, …). */
export interface KeyFacts {
  readonly arn: string;
  readonly accountId: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Alias names (`alias/x`) that point at the key: kms:ResourceAliases. */
  readonly aliases?: readonly string[];
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly keyOrigin?: string;
  readonly multiRegion?: boolean;
}

/** The grant a CreateGrant request asks for: kms:GrantOperations and its neighbours. */
export interface RequestedGrant {
  readonly operations: readonly string[];
  readonly granteePrincipal?: string;
  readonly retiringPrincipal?: string;
  readonly constraints?: GrantConstraints;
  /** kms:GrantIsForAWSResource: an integrated AWS service made the call for the principal (default: environment.viaService is set). */
  readonly isForAwsResource?: boolean;
}

export interface GrantConstraints {
  readonly encryptionContextEquals?: Readonly<Record<string, string>>;
  readonly encryptionContextSubset?: Readonly<Record<string, string>>;
}

/** Values the request itself carries. Where a key has a request and a key side (kms:KeySpec), the request's wins. */
export interface RequestFacts {
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** aws:RequestTag/<key> and aws:TagKeys. */
  readonly tags?: Readonly<Record<string, string>>;
  /** kms:RequestAlias: the alias the request named the key by. */
  readonly alias?: string;
  readonly grant?: RequestedGrant;
  readonly encryptionAlgorithm?: string;
  readonly signingAlgorithm?: string;
  readonly macAlgorithm?: string;
  readonly keyAgreementAlgorithm?: string;
  readonly messageType?: string;
  readonly dataKeyPairSpec?: string;
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly keyOrigin?: string;
  readonly multiRegion?: boolean;
  readonly bypassPolicyLockoutSafetyCheck?: boolean;
  readonly reEncryptOnSameKey?: boolean;
  readonly expirationModel?: string;
  /** Any other condition key by its name (kms:ScheduleKeyDeletionPendingWindowInDays, kms:WrappingAlgorithm, …). */
  readonly other?: Readonly<Record<string, string | readonly string[] | number | boolean>>;
}

export interface EnvironmentFacts {
  /** Milliseconds since the epoch, from the service clock: aws:CurrentTime and aws:EpochTime. */
  readonly currentTime: number;
  readonly sourceIp?: string;
  readonly secureTransport?: boolean;
  /** kms:ViaService: the AWS service (`ec2.us-east-1.amazonaws.com`) that called on the principal's behalf. */
  readonly viaService?: string;
  readonly region?: string;
}

export interface RequestContext {
  readonly principal: RequestPrincipal;
  /** `kms:Decrypt`. */
  readonly action: string;
  readonly key?: KeyFacts;
  /**
   * For an action without a key, what IAM matches the Resource element against: an alias ARN
   * (CreateAlias), or `arn:…:key/*` for every key of the account (the tags of CreateKey); `*` when absent.
   */
  readonly resource?: string;
  readonly request?: RequestFacts;
  readonly environment: EnvironmentFacts;
}

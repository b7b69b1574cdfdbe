// What doctor says about what it read: findings (something is wrong, or will be) and the checks
// it could not make through the API. The console shows the same objects the CLI prints.

/** error: broken now; warning: will break, or is at risk; info: in progress, nothing to repair. */
export type Severity = 'error' | 'warning' | 'info';

export type EvidenceValue = string | number | boolean | null;

/** One step of a repair, in the order the guide has it, with the commands of each tool that does it. */
export interface FixStep {
  say: string;
  awsCli?: string[];
  /** The CloudHSM CLI (Client SDK 5). */
  cloudhsmCli?: string[];
  /** cloudhsm_mgmt_util and key_mgmt_util (Client SDK 3). */
  legacyTools?: string[];
  /** Keywarden's own commands, when the cause is a Keywarden fault (`--deep`). */
  keywarden?: string[];
}

export interface Fix {
  steps: FixStep[];
  /** The steps' commands per tool, in order: what scripts and the console read. */
  awsCli: string[];
  cloudhsmCli: string[];
  legacyTools: string[];
  keywarden?: string[];
}

export interface Finding {
  severity: Severity;
  /** Stable, for scripts: the ConnectionErrorCode itself for a FAILED store, otherwise doctor's own. */
  code: string;
  customKeyStoreId?: string;
  keyId?: string;
  title: string;
  cause: string;
  /** The values read that show it, named by the API and member they came from. */
  evidence: Record<string, EvidenceValue>;
  fix: Fix;
  /** The section of AWS's "Troubleshooting a custom key store" that covers it. */
  guide: string;
}

export interface Commands {
  awsCli: string[];
  cloudhsmCli: string[];
  legacyTools: string[];
}

/** A check doctor could not make through the API, and the commands that make it by hand. */
export interface NotChecked {
  check: string;
  customKeyStoreId?: string;
  reason: string;
  commands: Commands;
  /** Without it doctor cannot call the store healthy (exit status 2 when nothing else was found). */
  essential: boolean;
}

/** A fix from its steps, with each tool's commands gathered in order. */
export function fixOf(...steps: Array<FixStep | FixStep[]>): Fix {
  const flat = steps.flat();
  const all = (tool: 'awsCli' | 'cloudhsmCli' | 'legacyTools' | 'keywarden') => flat.flatMap((s) => s[tool] ?? []);
  const fix: Fix = { steps: flat, awsCli: all('awsCli'), cloudhsmCli: all('cloudhsmCli'), legacyTools: all('legacyTools') };
  const keywarden = all('keywarden');
  if (keywarden.length > 0) fix.keywarden = keywarden;
  return fix;
}

export const commandsOf = (c: Partial<Commands>): Commands => ({ awsCli: c.awsCli ?? [], cloudhsmCli: c.cloudhsmCli ?? [], legacyTools: c.legacyTools ?? [] });

/** Where rules put what they find. */
export class Findings {
  readonly findings: Finding[] = [];
  readonly notChecked: NotChecked[] = [];

  add(f: Finding): void {
    this.findings.push(f);
  }

  unchecked(n: NotChecked): void {
    this.notChecked.push(n);
  }
}

export const GUIDE = {
  unavailable: 'How to fix unavailable KMS keys',
  failing: 'How to fix a failing KMS key',
  connection: 'How to fix a connection failure',
  crypto: 'How to respond to a cryptographic operation failure',
  credentials: 'How to fix invalid kmsuser credentials',
  orphaned: 'How to delete orphaned key material',
  recover: 'How to recover deleted key material for a KMS key',
  login: 'How to log in as kmsuser',
} as const;

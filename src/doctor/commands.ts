import type { DoctorFacts } from './facts.js';

// Command lines as a reader types them: `aws …` with the options the reader's environment does
// not already give, and lines typed into a CloudHSM tool after its prompt, as the guide prints
// them (CloudHSM CLI `aws-cloudhsm > `, cloudhsm_mgmt_util `aws-cloudhsm>`, key_mgmt_util
// `Command: `). Values a reader must choose stay as <placeholders>.

export const PLACEHOLDER = {
  adminPassword: '<admin-password>',
  kmsuserPassword: '<new-kmsuser-password>',
  newClusterId: '<new-cluster-id>',
} as const;

export class CommandLine {
  constructor(private readonly facts: Pick<DoctorFacts, 'awsCliOptions' | 'keywardenOptions' | 'tools'>) {}

  /** `aws [options] <service> <operation> <args…>`; args are already quoted where a shell needs it. */
  aws(service: string, operation: string, ...args: string[]): string {
    return ['aws', ...this.facts.awsCliOptions, service, operation, ...args].join(' ');
  }

  keywarden(...args: string[]): string {
    return ['keywarden', ...args, ...this.facts.keywardenOptions].join(' ');
  }

  /** The shell command that starts a tool for a cluster. */
  launch(tool: 'cloudhsmCli' | 'cloudhsmMgmtUtil' | 'keyMgmtUtil', clusterId: string): string {
    return this.facts.tools[tool].replaceAll('{cluster}', clusterId);
  }

  cli(line: string): string {
    return `aws-cloudhsm > ${line}`;
  }

  cmu(line: string): string {
    return `aws-cloudhsm>${line}`;
  }

  kmu(line: string): string {
    return `Command: ${line}`;
  }
}

/** A JMESPath query for the AWS CLI, single-quoted for the shell. */
export const query = (q: string) => `--query '${q}'`;

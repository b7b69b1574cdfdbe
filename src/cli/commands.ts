import type { Args, OptionSpecs } from './args.js';

// Every command `keywarden` takes, as data: its words, operands, options, help and examples. The
// parser, --help, the usage printed with a mistake and the shell completion are all read from
// here. A command's code is loaded only when it runs (import() in `run`), so that a client
// command never loads the service.

export interface Operand {
  name: string;
  optional?: boolean;
  /** The words it may be, for completion. */
  values?: string[];
}

export interface Command {
  /** The words after `keywarden`: ['clock', 'advance']. */
  path: string[];
  operands?: Operand[];
  /** One line, for the list of commands. */
  summary: string;
  /** What --help says after the usage. */
  description?: string;
  options: OptionSpecs;
  examples: string[];
  /** Resolves to the exit status; never resolves for a command that keeps running (`serve`). */
  run(args: Args): Promise<number>;
}

export interface Group {
  name: string;
  summary: string;
  description?: string;
}

const HELP: OptionSpecs = { help: { type: 'boolean', short: 'h', help: 'show this help' } };

/** How a client command finds the service and signs its calls, as the AWS CLI does. */
const CONNECTION: OptionSpecs = {
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'the service to call; default KEYWARDEN_ENDPOINT, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile\u2019s endpoint_url, then http://127.0.0.1:4599',
  },
  'endpoint-url': { type: 'string', value: 'URL', help: 'the same as --endpoint, as the AWS CLI spells it' },
  profile: { type: 'string', value: 'NAME', help: 'the profile of the shared AWS config and credentials files to sign with; default AWS_PROFILE' },
  region: { type: 'string', value: 'REGION', help: 'the region to sign for; default AWS_REGION, AWS_DEFAULT_REGION, the profile\u2019s region, then us-east-1' },
};

const JSON_OUTPUT: OptionSpecs = { json: { type: 'boolean', help: 'print the result as one JSON object' } };

/** Options of a client command that prints a result. */
const client = (own: OptionSpecs = {}): OptionSpecs => ({ ...own, ...CONNECTION, ...JSON_OUTPUT, ...HELP });

const CLOCK_CONTROL_NOTE = 'The service must have been started with --allow-clock-control.';

export const GROUPS: Group[] = [
  { name: 'clock', summary: 'read, move forward or reset the service\u2019s clock' },
  { name: 'network', summary: 'the subnets of the account\u2019s VPC, where clusters place their HSMs' },
  { name: 'cluster', summary: 'CloudHSM clusters ready for a custom key store, and backups on demand' },
  { name: 'audit', summary: 'export and verify the audit trail' },
  {
    name: 'fault',
    summary: 'switch on and off the failures the troubleshooting guide describes',
    description: 'Faults are kept in the database: they survive a restart until they are cleared.',
  },
  { name: 'policy', summary: 'explain the service\u2019s authorization decisions' },
];

const load = <M>(module: () => Promise<M>, run: (m: M, args: Args) => Promise<number>) => async (args: Args) => run(await module(), args);

const clockModule = () => import('./clock.js');
const networkModule = () => import('./network.js');
const clusterModule = () => import('./cluster.js');
const auditModule = () => import('./audit.js');
const faultModule = () => import('./fault.js');

export const COMMANDS: Command[] = [
  {
    path: ['serve'],
    summary: 'run the service',
    description:
      'One HTTP endpoint answers the AWS KMS, CloudHSM v2 and CloudTrail APIs and Keywarden\u2019s own, until ' +
      'SIGINT or SIGTERM. The port is taken first: a port in use ends the start at once with one line and exit ' +
      'status 1. Once the service answers, it prints the endpoint (with --json: one JSON object, the ready line) ' +
      'and writes --ready-file.',
    options: {
      host: { type: 'string', value: 'HOST', help: 'the address to listen on (default 127.0.0.1)' },
      port: { type: 'string', value: 'PORT', help: 'the port to listen on (default 4599; 0 picks a free port, which the ready line names)' },
      'data-dir': { type: 'string', value: 'DIR', help: 'where the database, the audit log and the root key are kept (default ./.keywarden)' },
      store: {
        type: 'string',
        value: 'URL',
        help: 'keep the data in this PostgreSQL database, which several nodes can share (postgres://user@host:5432/keywarden; default KEYWARDEN_STORE, else SQLite in the data directory)',
      },
      credentials: { type: 'string', value: 'FILE', help: 'a JSON file of access keys, accounts and identity policies (default: the dev credential test / test)' },
      'root-key-file': { type: 'string', value: 'FILE', help: 'the root key that wraps all key material at rest (default: KEYWARDEN_ROOT_KEY, or DIR/root.key, made on first start)' },
      'root-key': { type: 'string', value: 'file|pkcs11', help: 'the root key is a file or KEYWARDEN_ROOT_KEY (default), or a non-extractable key in a PKCS#11 token (with --pkcs11-module)' },
      'hsm-engine': { type: 'string', value: 'software|pkcs11', help: 'where the key objects of clusters live: sealed under the root key (default), or in PKCS#11 tokens, one per HSM' },
      'pkcs11-module': { type: 'string', value: 'PATH', help: 'the PKCS#11 library of the tokens, for --hsm-engine pkcs11 and --root-key pkcs11' },
      'pkcs11-config': { type: 'string', value: 'FILE', help: 'JSON: the token labels that serve as HSMs, their PIN (or KEYWARDEN_PKCS11_PIN), rootKeyToken, maxSessions (docs/hsm.md)' },
      'allow-clock-control': { type: 'boolean', help: 'let `keywarden clock advance` and `clock reset` move the service\u2019s clock' },
      clock: { type: 'string', value: 'real|manual', help: 'the service clock follows the system\u2019s (default), or, with --allow-clock-control, stands still and moves only with `clock advance`' },
      'cluster-delay-ms': { type: 'string', value: 'MS', help: 'how long CloudHSM\u2019s asynchronous transitions take (default 2000; 0 in tests)' },
      'connect-delay-ms': { type: 'string', value: 'MS', help: 'how long a custom key store\u2019s connection attempt takes (default 1000; 0 in tests)' },
      'hsm-sessions': { type: 'string', value: 'N', help: 'sessions each HSM holds at once (default 1024)' },
      audit: { type: 'string', value: 'on|off', help: 'record every call and service action in the audit trail (default on)' },
      'audit-sync': { type: 'string', value: 'os|disk', help: 'answer a read or a use of a key once its record is with the OS (default) or on disk' },
      'audit-retention-days': { type: 'string', value: 'DAYS', help: 'how long the audit trail keeps a record (default 90)' },
      'max-connections': { type: 'string', value: 'N', help: 'the most connections held at once (default 1024, fewer if the open-file limit is lower)' },
      tls: { type: 'string', value: 'self-signed', help: 'serve HTTPS with a certificate for localhost kept in the data directory; prints the AWS_CA_BUNDLE to use' },
      'tls-cert': { type: 'string', value: 'FILE', help: 'serve HTTPS with this PEM certificate (with --tls-key)' },
      'tls-key': { type: 'string', value: 'FILE', help: 'the PEM private key of --tls-cert' },
      console: { type: 'string', value: 'on|off', help: 'serve the web console at /console on the same port (default on when the host is a loopback address)' },
      'in-memory': { type: 'boolean', help: 'keep nothing on disk: database, audit trail and root key live in memory and are gone when it stops' },
      workers: { type: 'string', value: 'N|auto', help: 'serve the port with N processes over one store (auto: one per core; default 1); a SQLite data directory is shared as with --shared-store (docs/nodes.md)' },
      'shared-store': { type: 'boolean', help: 'share the data directory with other services started with --shared-store: one set of keys, audit trail and clock (docs/nodes.md)' },
      'log-level': { type: 'string', value: 'LEVEL', help: 'trace, debug, info (default: a line per request), warn, error, fatal or silent' },
      'log-format': { type: 'string', value: 'json|text', help: 'one JSON object per line (default) or text (the default when standard error is a terminal)' },
      metrics: { type: 'string', value: 'loopback|any|off', help: 'who may read GET /metrics (default loopback callers only)' },
      'ready-file': { type: 'string', value: 'FILE', help: 'once the service answers, write the ready line (JSON: url, port, pid, …) to FILE; removed at shutdown' },
      json: { type: 'boolean', help: 'print the ready line (and the shutdown) as JSON objects instead of text' },
      ...HELP,
    },
    examples: [
      'keywarden serve',
      'keywarden serve --port 0 --data-dir /tmp/keywarden --json',
      'keywarden serve --port 0 --ready-file /tmp/keywarden.ready',
      'keywarden serve --store postgres://keywarden@localhost:5432/keywarden --root-key-file ./root.key',
      'keywarden serve --tls self-signed',
      'keywarden serve --allow-clock-control --cluster-delay-ms 0 --connect-delay-ms 0',
      'keywarden serve --hsm-engine pkcs11 --root-key pkcs11 --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pkcs11-config pkcs11.json',
      'keywarden serve --shared-store --data-dir /srv/keywarden --port 4600',
      'keywarden serve --workers auto',
    ],
    run: load(() => import('./serve.js'), async (m, args) => {
      await m.serve(args);
      return -1;
    }),
  },
  {
    path: ['reset'],
    summary: 'delete the keys, clusters and audit trail of a stopped service',
    description:
      'Deletes what `keywarden serve` keeps in DIR: the database, the audit log and the root key (the TLS certificate ' +
      'it made stays). The service must be stopped. Asks first, unless --yes.',
    options: {
      'data-dir': { type: 'string', value: 'DIR', help: 'the data directory to reset (default ./.keywarden)' },
      yes: { type: 'boolean', short: 'y', help: 'do not ask' },
      ...JSON_OUTPUT,
      ...HELP,
    },
    examples: ['keywarden reset --data-dir ./.keywarden', 'keywarden reset --data-dir /tmp/keywarden --yes'],
    run: load(() => import('./reset.js'), (m, args) => m.reset(args)),
  },
  {
    path: ['clock', 'show'],
    summary: 'print the service\u2019s clock',
    options: client(),
    examples: ['keywarden clock show', 'keywarden clock show --json --endpoint http://127.0.0.1:4600'],
    run: load(clockModule, (m, args) => m.clock(args)),
  },
  {
    path: ['clock', 'advance'],
    operands: [{ name: 'DURATION' }],
    summary: 'move the service\u2019s clock forward (30d, 12h, 15m, 90s)',
    description: `Due deletions, rotations and expiries happen at once. ${CLOCK_CONTROL_NOTE}`,
    options: client(),
    examples: ['keywarden clock advance 30d', 'keywarden clock advance 12h --json'],
    run: load(clockModule, (m, args) => m.clock(args)),
  },
  {
    path: ['clock', 'reset'],
    summary: 'move the service\u2019s clock back to the system time',
    description: `What happened while the clock was ahead stays done, with the times it was given. ${CLOCK_CONTROL_NOTE}`,
    options: client(),
    examples: ['keywarden clock reset', 'keywarden clock reset --json'],
    run: load(clockModule, (m, args) => m.clock(args)),
  },
  {
    path: ['network', 'list'],
    summary: 'the subnets of the account\u2019s VPC in the region, with their free addresses',
    options: client(),
    examples: ['keywarden network list', 'keywarden network list --region eu-west-1 --json'],
    run: load(networkModule, (m, args) => m.network(args)),
  },
  {
    path: ['network', 'create-subnet'],
    summary: 'add a subnet in an Availability Zone',
    options: client({
      'availability-zone': { type: 'string', value: 'AZ', required: true, help: 'the subnet\u2019s Availability Zone' },
      'free-addresses': { type: 'string', value: 'N', help: 'how many addresses it has free (default 250)' },
    }),
    examples: ['keywarden network create-subnet --availability-zone us-east-1d', 'keywarden network create-subnet --availability-zone us-east-1d --free-addresses 2'],
    run: load(networkModule, (m, args) => m.network(args)),
  },
  {
    path: ['network', 'delete-subnet'],
    summary: 'delete a subnet (refused while an HSM is in it)',
    options: client({ 'subnet-id': { type: 'string', value: 'ID', required: true, help: 'the subnet' } }),
    examples: ['keywarden network delete-subnet --subnet-id subnet-0123456789abcdef0'],
    run: load(networkModule, (m, args) => m.network(args)),
  },
  {
    path: ['network', 'set-free-addresses'],
    summary: 'set how many free addresses a subnet has',
    options: client({
      'subnet-id': { type: 'string', value: 'ID', required: true, help: 'the subnet' },
      count: { type: 'string', value: 'N', required: true, help: 'its free addresses from now on' },
    }),
    examples: ['keywarden network set-free-addresses --subnet-id subnet-0123456789abcdef0 --count 0'],
    run: load(networkModule, (m, args) => m.network(args)),
  },
  {
    path: ['cluster', 'quickstart'],
    summary: 'an ACTIVE cluster with two HSMs and kmsuser, ready for a custom key store',
    description:
      'Creates a cluster with HSMs in two Availability Zones, a CA of its own that signs the cluster\u2019s CSR, ' +
      'initialises and activates it and creates kmsuser; prints the passwords and the create-custom-key-store command.',
    options: client({
      'trust-anchor-file': { type: 'string', value: 'FILE', help: 'where to write the CA certificate (default customerCA.crt)' },
      'hsm-type': { type: 'string', value: 'TYPE', help: 'the cluster\u2019s HSM type (default hsm2m.medium)' },
    }),
    examples: ['keywarden cluster quickstart', 'keywarden cluster quickstart --json > cluster.json', 'keywarden cluster quickstart --hsm-type hsm1.medium --trust-anchor-file legacyCA.crt'],
    run: load(clusterModule, (m, args) => m.cluster(args)),
  },
  {
    path: ['cluster', 'backup'],
    summary: 'take a backup of an ACTIVE cluster now',
    options: client({ 'cluster-id': { type: 'string', value: 'ID', required: true, help: 'the cluster' } }),
    examples: ['keywarden cluster backup --cluster-id cluster-igklspoyj5v'],
    run: load(clusterModule, (m, args) => m.cluster(args)),
  },
  {
    path: ['audit', 'export'],
    summary: 'the caller\u2019s account\u2019s audit records, oldest first',
    description: 'One CloudTrail record per line (jsonl), or CloudTrail\u2019s delivery file {"Records": [...]}.',
    options: client({
      since: { type: 'string', value: 'TIME|DURATION', help: 'records from this time, or this long ago (24h)' },
      until: { type: 'string', value: 'TIME|DURATION', help: 'records up to this time, or this long ago' },
      format: { type: 'string', value: 'jsonl|cloudtrail', help: 'the output format (default jsonl)' },
      output: { type: 'string', value: 'FILE', help: 'write to FILE instead of standard output' },
    }),
    examples: ['keywarden audit export --since 24h', 'keywarden audit export --format cloudtrail --output trail.json'],
    run: load(auditModule, (m, args) => m.audit(args)),
  },
  {
    path: ['audit', 'verify'],
    summary: 'check the audit trail\u2019s digest chain; exit status 1 names the first altered or removed record',
    options: client(),
    examples: ['keywarden audit verify', 'keywarden audit verify --json'],
    run: load(auditModule, (m, args) => m.audit(args)),
  },
  {
    path: ['fault', 'list'],
    summary: 'the faults in force',
    options: client(),
    examples: ['keywarden fault list', 'keywarden fault list --json'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'clear'],
    summary: 'switch faults off: all, a cluster\u2019s or a key store\u2019s, optionally of one kind',
    options: client({
      all: { type: 'boolean', help: 'every fault' },
      'cluster-id': { type: 'string', value: 'ID', help: 'the faults on this cluster' },
      'custom-key-store-id': { type: 'string', value: 'ID', help: 'the faults on this key store' },
      fault: { type: 'string', value: 'KIND', help: 'only this kind: NETWORK_CUT, SESSION_LIMIT or CONNECT_INTERNAL_ERROR' },
    }),
    examples: ['keywarden fault clear --all', 'keywarden fault clear --cluster-id cluster-igklspoyj5v --fault SESSION_LIMIT'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'cut-network'],
    summary: 'cut the service\u2019s network path to a cluster (NETWORK_ERRORS)',
    options: client({ 'cluster-id': { type: 'string', value: 'ID', required: true, help: 'the cluster' } }),
    examples: ['keywarden fault cut-network --cluster-id cluster-igklspoyj5v'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'restore-network'],
    summary: 'restore the network path that cut-network cut',
    options: client({ 'cluster-id': { type: 'string', value: 'ID', required: true, help: 'the cluster' } }),
    examples: ['keywarden fault restore-network --cluster-id cluster-igklspoyj5v'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'limit-sessions'],
    summary: 'each HSM of a cluster holds only N sessions',
    options: client({
      'cluster-id': { type: 'string', value: 'ID', required: true, help: 'the cluster' },
      'per-hsm': { type: 'string', value: 'N', required: true, help: 'sessions per HSM' },
    }),
    examples: ['keywarden fault limit-sessions --cluster-id cluster-igklspoyj5v --per-hsm 1'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'fail-next-connect'],
    summary: 'a key store\u2019s next connection attempt ends in INTERNAL_ERROR',
    options: client({ 'custom-key-store-id': { type: 'string', value: 'ID', required: true, help: 'the key store' } }),
    examples: ['keywarden fault fail-next-connect --custom-key-store-id cks-1234567890abcdef0'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'delete-subnet'],
    summary: 'delete a subnet (SUBNET_NOT_FOUND)',
    options: client({ 'subnet-id': { type: 'string', value: 'ID', required: true, help: 'the subnet' } }),
    examples: ['keywarden fault delete-subnet --subnet-id subnet-0123456789abcdef0'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'exhaust-addresses'],
    summary: 'leave a subnet no free address (INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET)',
    options: client({ 'subnet-id': { type: 'string', value: 'ID', required: true, help: 'the subnet' } }),
    examples: ['keywarden fault exhaust-addresses --subnet-id subnet-0123456789abcdef0'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['fault', 'delete-backing-key'],
    summary: 'delete a KMS key\u2019s backing key from its cluster behind KMS\u2019s back',
    options: client({ 'key-id': { type: 'string', value: 'KEY_ID|KEY_ARN', required: true, help: 'the KMS key (in a custom key store)' } }),
    examples: ['keywarden fault delete-backing-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab'],
    run: load(faultModule, (m, args) => m.fault(args)),
  },
  {
    path: ['policy', 'explain'],
    summary: 'whether a principal may perform an action on a key, and why; exit status 1 when denied',
    options: client({
      principal: { type: 'string', value: 'ARN', required: true, help: 'the caller' },
      action: { type: 'string', value: 'kms:ACTION', required: true, help: 'the action' },
      'key-id': { type: 'string', value: 'ID', required: true, help: 'the key: id, ARN, alias name or alias ARN' },
      context: { type: 'string', value: 'k=v,k2=v2', help: 'the encryption context (or a JSON object)' },
      'source-ip': { type: 'string', value: 'IP', help: 'the caller\u2019s address, for aws:SourceIp conditions' },
    }),
    examples: ['keywarden policy explain --principal arn:aws:iam::111122223333:user/app --action kms:Decrypt --key-id alias/orders'],
    run: load(() => import('./policy.js'), (m, args) => m.policy(args)),
  },
  hsmTool(
    'cloudhsm-cli',
    'the CloudHSM CLI (Client SDK 5): cluster activate, login, user …, key list/delete',
    () => import('./cloudhsm-cli.js').then((m) => m.cloudhsmCliCommand),
    ["printf 'user list\\n' | keywarden cloudhsm-cli --cluster-id cluster-igklspoyj5v"],
  ),
  hsmTool(
    'cloudhsm_mgmt_util',
    'the older CloudHSM Management Utility (Client SDK 3): loginHSM, changePswd, listUsers',
    () => import('./cloudhsm-mgmt-util.js').then((m) => m.cloudhsmMgmtUtilCommand),
    ["printf 'listUsers\\n' | keywarden cloudhsm_mgmt_util --cluster-id cluster-igklspoyj5v"],
  ),
  hsmTool(
    'key_mgmt_util',
    'the older Key Management Utility (Client SDK 3): loginHSM, findKey, deleteKey',
    () => import('./key-mgmt-util.js').then((m) => m.keyMgmtUtilCommand),
    ["printf 'loginHSM -u CU -s kmsuser -p Password1\\nfindKey\\nlogoutHSM\\n' | keywarden key_mgmt_util --cluster-id cluster-igklspoyj5v"],
  ),
  {
    path: ['completion'],
    operands: [{ name: 'SHELL', values: ['bash'] }],
    summary: 'print the shell completion script for keywarden',
    description: 'Completes commands, subcommands and options. For bash: add the line of the first example to ~/.bashrc.',
    options: { ...HELP },
    examples: ['source <(keywarden completion bash)', 'keywarden completion bash > /etc/bash_completion.d/keywarden'],
    run: load(() => import('./completion.js'), (m, args) => m.completion(args)),
  },
  {
    path: ['doctor'],
    summary: 'walk the troubleshooting guide for custom key stores through the public APIs',
    description:
      'For every AWS CloudHSM key store (or one store, or the store of one key), against Keywarden or AWS itself: ' +
      'each finding with its cause, the values read and the commands that fix it. The endpoint, credentials and Region ' +
      'come from the AWS chain (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, profiles) with --endpoint and ' +
      'KEYWARDEN_ENDPOINT on top. Exit status 0 healthy, 1 findings, 2 could not check. --deep also reads Keywarden\u2019s ' +
      'own API (kmsuser\u2019s lockout and logins, its network, faults in force).',
    options: {
      'custom-key-store-id': { type: 'string', value: 'ID', help: 'check this custom key store only' },
      'key-id': { type: 'string', value: 'ID', help: 'check this KMS key and its custom key store' },
      deep: { type: 'boolean', help: 'also read Keywarden\u2019s own API' },
      endpoint: { type: 'string', value: 'URL', help: 'the endpoint of every service it calls; default the AWS chain, then KEYWARDEN_ENDPOINT' },
      profile: { type: 'string', value: 'NAME', help: 'the profile of the shared AWS config and credentials files' },
      region: { type: 'string', value: 'REGION', help: 'the Region to check' },
      ...JSON_OUTPUT,
      ...HELP,
    },
    examples: ['keywarden doctor', 'keywarden doctor --custom-key-store-id cks-1234567890abcdef0 --deep', 'AWS_PROFILE=prod keywarden doctor --json'],
    run: load(() => import('./doctor.js'), (m, args) => m.doctor(args)),
  },
];

/** One of the CloudHSM tools: it reads commands from a terminal, or one per line from standard input. */
function hsmTool(name: string, summary: string, tool: () => Promise<(args: Args) => Promise<number>>, examples: string[]): Command {
  return {
    path: [name],
    operands: [{ name: 'interactive', optional: true, values: ['interactive'] }],
    summary,
    description:
      'Runs against one cluster. On a terminal it prompts and reads passwords without echo; from a pipe or a file it ' +
      'runs one command per line (a password it would prompt for is the next line, once even where a terminal asks ' +
      'twice) and exits with status 1 when the last command failed. A login lasts until logout, even after the tool exits.',
    options: {
      'cluster-id': { type: 'string', value: 'ID', required: true, help: 'the cluster' },
      ...CONNECTION,
      ...HELP,
    },
    examples: [`keywarden ${name} --cluster-id cluster-igklspoyj5v`, ...examples],
    run: async (args) => (await tool())(args),
  };
}

export const commandName = (c: Command) => c.path.join(' ');

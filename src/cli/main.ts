import { parseArgs, UsageError } from './args.js';
import { CLIENT_FLAGS } from './client.js';
import { FAULT_FLAGS, FAULT_USAGE } from './fault.js';
import { POLICY_USAGE } from './policy.js';

// Each command's module is loaded only when that command runs: `serve` pulls in the whole service
// (SQLite, the curve and post-quantum libraries, x509), which costs a client command most of a
// second of start-up for nothing.

const USAGE = `Usage: keywarden <command> [options]

Commands:
  serve [--host 127.0.0.1] [--port 4599] [--data-dir ./.keywarden] [--credentials FILE]
        [--root-key-file FILE] [--allow-clock-control] [--cluster-delay-ms 2000]
        [--hsm-sessions 1024] [--connect-delay-ms 1000]
        [--audit on|off] [--audit-sync os|disk] [--audit-retention-days 90]
        [--max-connections 1024] [--tls self-signed | --tls-cert FILE --tls-key FILE]
                              run the service; --tls self-signed makes a certificate for
                              localhost in the data directory and prints the AWS_CA_BUNDLE to use
  clock show                  print the service's clock
  clock advance DURATION      move the service's clock forward (30d, 12h, 90s); needs a service
                              started with --allow-clock-control
  network list                the subnets of the account's VPC (one per Availability Zone at first)
  network create-subnet --availability-zone AZ [--free-addresses N]
  network delete-subnet --subnet-id ID
  network set-free-addresses --subnet-id ID --count N
  cluster quickstart [--trust-anchor-file customerCA.crt] [--hsm-type hsm2m.medium]
                              an ACTIVE cluster with two HSMs and kmsuser, ready for a custom
                              key store; prints the passwords and the create-custom-key-store command
  cluster backup --cluster-id ID
                              take a CloudHSM cluster backup now
  audit export [--since TIME|DURATION] [--until TIME|DURATION] [--format jsonl|cloudtrail]
               [--output FILE]
                              the caller's account's audit records, oldest first: one CloudTrail
                              record per line, or CloudTrail's delivery file {"Records": [...]}
  audit verify                check the audit trail's digest chain; exits 1 naming the first
                              record that was altered or removed
${FAULT_USAGE}${POLICY_USAGE}  cloudhsm-cli --cluster-id ID
                              the CloudHSM CLI (cluster activate, login, user …, key list/delete)
  cloudhsm_mgmt_util --cluster-id ID
                              the older CloudHSM Management Utility (loginHSM, changePswd, listUsers)
  key_mgmt_util --cluster-id ID
                              the older Key Management Utility (loginHSM, findKey, deleteKey)
                              These three read commands from a terminal or one per line from
                              standard input; a login lasts until 'logout', even after the tool exits.

Commands that talk to a running service take --endpoint URL (or KEYWARDEN_ENDPOINT, default
http://127.0.0.1:4599; an https:// endpoint is checked against AWS_CA_BUNDLE when it is set), sign
with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (default test / test), and print JSON with --json.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { serve, SERVE_FLAGS } = await import('./serve.js');
      await serve(parseArgs(rest, SERVE_FLAGS));
      return -1;
    }
    case 'clock':
      return (await import('./clock.js')).clock(parseArgs(rest, CLIENT_FLAGS));
    case 'network':
      return (await import('./network.js')).network(parseArgs(rest, CLIENT_FLAGS));
    case 'cluster':
      return (await import('./cluster.js')).cluster(parseArgs(rest, CLIENT_FLAGS));
    case 'audit':
      return (await import('./audit.js')).audit(parseArgs(rest, CLIENT_FLAGS));
    case 'fault':
      return (await import('./fault.js')).fault(parseArgs(rest, FAULT_FLAGS));
    case 'policy':
      return (await import('./policy.js')).policy(parseArgs(rest, CLIENT_FLAGS));
    case 'cloudhsm-cli':
      return (await import('./cloudhsm-cli.js')).cloudhsmCliCommand(parseArgs(rest, CLIENT_FLAGS));
    case 'cloudhsm_mgmt_util':
      return (await import('./cloudhsm-mgmt-util.js')).cloudhsmMgmtUtilCommand(parseArgs(rest, CLIENT_FLAGS));
    case 'key_mgmt_util':
      return (await import('./key-mgmt-util.js')).keyMgmtUtilCommand(parseArgs(rest, CLIENT_FLAGS));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command '${command}'. Run 'keywarden help' to list the commands.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`keywarden: ${message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);

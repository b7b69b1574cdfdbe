import { parseArgs, UsageError } from './args.js';
import { clock, CLIENT_FLAGS } from './clock.js';
import { serve, SERVE_FLAGS } from './serve.js';

const USAGE = `Usage: keywarden <command> [options]

Commands:
  serve [--host 127.0.0.1] [--port 4599] [--data-dir ./.keywarden] [--credentials FILE]
        [--root-key-file FILE] [--allow-clock-control]
                              run the service
  clock show                  print the service's clock
  clock advance DURATION      move the service's clock forward (30d, 12h, 90s); needs a service
                              started with --allow-clock-control

Commands that talk to a running service take --endpoint URL (or KEYWARDEN_ENDPOINT, default
http://127.0.0.1:4599), sign with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (default test / test),
and print JSON with --json.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(parseArgs(rest, SERVE_FLAGS));
      return -1;
    case 'clock':
      return clock(parseArgs(rest, CLIENT_FLAGS));
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

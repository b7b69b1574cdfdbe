import { startKeywarden } from '../app.js';
import { type Args, portOption, stringOption } from './args.js';

export const SERVE_FLAGS = new Set(['allow-clock-control']);

export async function serve(args: Args): Promise<void> {
  const host = stringOption(args, 'host') ?? '127.0.0.1';
  const port = portOption(args, 'port', 4599);
  const dataDir = stringOption(args, 'data-dir') ?? './.keywarden';
  const running = await startKeywarden({
    host,
    port,
    dataDir,
    credentialsFile: stringOption(args, 'credentials'),
    allowClockControl: args.options.get('allow-clock-control') === true,
    rootKeyFile: stringOption(args, 'root-key-file'),
    rootKey: process.env.KEYWARDEN_ROOT_KEY,
  });
  const out = process.stdout;
  out.write(`Keywarden is listening on ${running.url} (data in ${dataDir})\n`);
  out.write(`Use it with the AWS CLI:\n`);
  out.write(`  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${running.url} kms create-key\n`);

  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    out.write(`Keywarden received ${signal}; shutting down.\n`);
    running.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`keywarden: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

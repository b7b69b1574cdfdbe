import { startKeywarden } from '../app.js';
import { timingsOf } from '../cluster/transitions.js';
import { type Args, portOption, stringOption, UsageError } from './args.js';

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
    clusterTimings: clusterDelay(args),
    hsmSessionsPerHsm: hsmSessions(args),
    audit: auditSwitch(args),
    auditRetentionDays: auditRetention(args),
    auditSync: auditSync(args),
    connectDelayMs: connectDelay(args),
    maxConnections: maxConnections(args),
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

/** `--cluster-delay-ms N`: how long CloudHSM's asynchronous transitions take (0 in most tests). */
function clusterDelay(args: Args) {
  const v = stringOption(args, 'cluster-delay-ms');
  if (v === undefined) return undefined;
  const ms = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(ms)) throw new UsageError(`--cluster-delay-ms must be a whole number of milliseconds, not '${v}'.`);
  return timingsOf(ms);
}

/** `--connect-delay-ms N`: how long a custom key store's connection attempt takes (default 1000; 0 in tests). */
function connectDelay(args: Args) {
  const v = stringOption(args, 'connect-delay-ms');
  if (v === undefined) return undefined;
  const ms = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(ms)) throw new UsageError(`--connect-delay-ms must be a whole number of milliseconds, not '${v}'.`);
  return ms;
}

/** `--audit on|off`: record calls and service actions in the audit trail (default on; off for comparison runs). */
function auditSwitch(args: Args): boolean {
  const v = stringOption(args, 'audit') ?? 'on';
  if (v !== 'on' && v !== 'off') throw new UsageError(`--audit takes 'on' or 'off', not '${v}'.`);
  return v === 'on';
}

/**
 * `--audit-sync os|disk`: where the record of a call that changed nothing (a use of a key, a read)
 * must be before the call is answered: handed to the operating system, so it survives any crash of
 * Keywarden, and on disk within 50 ms (`os`, the default); or on disk, so it survives a power loss
 * too (`disk`). Records of calls that changed something are on disk before the answer either way.
 */
function auditSync(args: Args) {
  const v = stringOption(args, 'audit-sync');
  if (v === undefined) return undefined;
  if (v !== 'os' && v !== 'disk') throw new UsageError(`--audit-sync takes 'os' or 'disk', not '${v}'.`);
  return v;
}

/** `--audit-retention-days N`: how long the audit trail keeps a record (default 90). */
function auditRetention(args: Args) {
  const v = stringOption(args, 'audit-retention-days');
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(v)) throw new UsageError(`--audit-retention-days must be a whole number of days (1 or more), not '${v}'.`);
  return Number(v);
}

/** `--max-connections N`: the most connections held at once (default 1024, fewer when the open-file limit is lower). */
function maxConnections(args: Args) {
  const v = stringOption(args, 'max-connections');
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(v)) throw new UsageError(`--max-connections must be a whole number of connections (1 or more), not '${v}'.`);
  return Number(v);
}

/** `--hsm-sessions N`: how many sessions each HSM holds at once (default 1024). */
function hsmSessions(args: Args) {
  const v = stringOption(args, 'hsm-sessions');
  if (v === undefined) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(v)) throw new UsageError(`--hsm-sessions must be a whole number of sessions per HSM (1 or more), not '${v}'.`);
  return Number(v);
}

import { type KeywardenOptions, type RunningKeywarden, startKeywarden } from '../app.js';
import type { TlsSetting } from '../protocol/tls.js';
import { timingsOf } from '../cluster/transitions.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../observability/logger.js';
import { METRICS_ACCESS, type MetricsAccess } from '../observability/routes.js';
import { type Args, portOption, stringOption, UsageError } from './args.js';
import { type ReadyLine, readyLine, removeReadyFile, writeReadyFile } from './ready.js';
import { startFailureLine } from './start-failure.js';
import { isWorker, reportReady, superviseWorkers, WorkerFailed, workersOption } from './workers.js';

export async function serve(args: Args): Promise<void> {
  // Whatever the service creates (database, journals, audit log, root key) is its owner's only.
  process.umask(0o077);
  const host = stringOption(args, 'host') ?? '127.0.0.1';
  const port = portOption(args, 'port', 4599);
  const inMemory = inMemorySwitch(args);
  const store = storeOption(args, inMemory);
  const dataDir = stringOption(args, 'data-dir') ?? './.keywarden';
  const workers = workersOption(args);
  const worker = isWorker();
  const options: KeywardenOptions = {
    host,
    port,
    dataDir,
    credentialsFile: stringOption(args, 'credentials'),
    allowClockControl: args.options.get('allow-clock-control') === true,
    clock: clockMode(args),
    rootKeyFile: stringOption(args, 'root-key-file'),
    rootKey: process.env.KEYWARDEN_ROOT_KEY,
    ...pkcs11Options(args),
    clusterTimings: clusterDelay(args),
    hsmSessionsPerHsm: hsmSessions(args),
    audit: auditSwitch(args),
    auditRetentionDays: auditRetention(args),
    auditSync: auditSync(args),
    connectDelayMs: connectDelay(args),
    maxConnections: maxConnections(args),
    tls: tlsSetting(args),
    console: consoleSwitch(args, host),
    inMemory,
    store,
    // A worker of `serve --workers` is one node of several on the store.
    sharedStore: sharedStoreSwitch(args) || worker,
    logger: createLogger({ level: logLevel(args), format: logFormat(args) }),
    metricsAccess: metricsAccess(args),
  };
  const json = args.options.get('json') === true;
  const readyFile = stringOption(args, 'ready-file');
  // A worker's primary speaks for it.
  const say = (text: string, record: Record<string, unknown>) => worker || process.stdout.write(json ? JSON.stringify(record) + '\n' : text);
  const announced: Announcement = { json, readyFile, inMemory, dataDir, consoleCredentials: options.credentialsFile !== undefined };
  if (workers > 1 && !worker) return superviseAll(workers, announced, say);

  // Signals are taken before start-up opens anything: one that arrives while the data directory
  // is being opened lets start-up finish, then shuts down cleanly, instead of killing it half-way.
  let running: RunningKeywarden | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    if (running) shutDown(running, signal, say, readyFile);
    else say(`Keywarden received ${signal} while starting; it shuts down once started.\n`, { event: 'stopping', signal, starting: true });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  clearReadyFile(readyFile);
  running = await startKeywarden(options).catch((err: unknown) => {
    // A failed start has closed what it opened; exiting here as well means that nothing it missed
    // (a thread, a timer) can keep a service that never listened alive.
    process.stderr.write(startFailureLine(err, host, port) + '\n');
    return process.exit(1);
  });
  if (stopping) return shutDown(running, stopping, say, readyFile);
  const ready = readyLine(running, inMemory ? undefined : dataDir);
  if (worker) return reportReady(ready);
  if (!announce(ready, announced)) {
    await running.close().catch(() => undefined);
    return process.exit(1);
  }
}

/** How the service says it is ready: `--json`, `--ready-file`, and what the banner tells. */
interface Announcement {
  json: boolean;
  readyFile: string | undefined;
  inMemory: boolean;
  dataDir: string;
  /** Whether the console's sign-in takes the credentials file's access keys (or test / test). */
  consoleCredentials: boolean;
}

/** A ready file an earlier run left is removed before the start, so that it never looks ready. */
function clearReadyFile(readyFile: string | undefined): void {
  try {
    removeReadyFile(readyFile);
  } catch (err) {
    throw new UsageError(`cannot remove the old --ready-file ${readyFile}: ${(err as Error).message}`);
  }
}

/**
 * Writes the ready file and prints the ready line (--json) or the banner. False, having said why,
 * when the ready file cannot be written: the caller then stops what it started and exits 1.
 */
function announce(ready: ReadyLine, a: Announcement): boolean {
  if (a.readyFile) {
    try {
      writeReadyFile(a.readyFile, ready);
    } catch (err) {
      process.stderr.write(`keywarden: cannot write --ready-file ${a.readyFile}: ${(err as Error).message}\n`);
      return false;
    }
  }
  process.stdout.write(a.json ? JSON.stringify(ready) + '\n' : banner(ready, a));
  return true;
}

/** What `serve` prints once it answers, in one write, so that whoever reads the first line has the rest too. */
function banner(ready: ReadyLine, facts: Announcement): string {
  const caBundle = ready.selfSigned ? `AWS_CA_BUNDLE=${ready.tlsCertificate} ` : '';
  const certificate = !ready.tlsCertificate
    ? ''
    : ready.selfSigned
      ? `TLS certificate (self-signed, for localhost, 127.0.0.1 and ::1): ${ready.tlsCertificate}\n`
      : `TLS certificate: ${ready.tlsCertificate}\n`;
  const where = ready.store ? `data in the PostgreSQL database ${ready.store}` : facts.inMemory ? 'data in memory only: gone when it stops' : `data in ${facts.dataDir}`;
  const workers = ready.workers ? `, ${ready.workers.length} worker processes` : '';
  return (
    `Keywarden is listening on ${ready.url} (${where}${workers})\n` +
    certificate +
    (ready.consoleUrl ? `Web console: ${ready.consoleUrl} (sign in with ${facts.consoleCredentials ? 'an access key of the credentials file' : 'test / test'})\n` : '') +
    `Use it with the AWS CLI:\n` +
    `  ${caBundle}AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${ready.url} kms create-key\n`
  );
}

/**
 * `serve --workers N` in the primary process: the workers serve, this process supervises them and
 * prints what a service alone prints, with every worker's pid in the ready line.
 */
async function superviseAll(count: number, o: Announcement, say: (text: string, record: Record<string, unknown>) => void): Promise<void> {
  let stopping: string | undefined;
  let stopAll: (() => Promise<boolean>) | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    say(`Keywarden received ${signal}; shutting down.\n`, { event: 'stopping', signal });
    removeReadyFile(o.readyFile);
    void stopAll?.().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  clearReadyFile(o.readyFile);
  const supervision = await superviseWorkers(count, (line) => process.stderr.write(line + '\n')).catch((err: unknown) => {
    // The worker that failed has said why.
    if (!(err instanceof WorkerFailed)) process.stderr.write(`keywarden: ${(err as Error).message}\n`);
    return process.exit(1);
  });
  stopAll = supervision.stop;
  if (stopping) return void supervision.stop().then((clean) => process.exit(clean ? 0 : 1));
  if (!announce(supervision.ready, o)) {
    await supervision.stop();
    return process.exit(1);
  }
}

function shutDown(running: RunningKeywarden, signal: string, say: (text: string, record: Record<string, unknown>) => void, readyFile: string | undefined): void {
  say(`Keywarden received ${signal}; shutting down.\n`, { event: 'stopping', signal });
  removeReadyFile(readyFile);
  running.close().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`keywarden: shutdown failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

/** `--in-memory`: keep everything in memory and write nothing to disk (tests, CI jobs). */
function inMemorySwitch(args: Args): boolean {
  if (args.options.get('in-memory') !== true) return false;
  if (args.options.has('data-dir')) throw new UsageError('--in-memory keeps no data directory: leave out --data-dir.');
  if (stringOption(args, 'tls') === 'self-signed') {
    throw new UsageError('--tls self-signed keeps its certificate in the data directory, which --in-memory does without; pass --tls-cert FILE --tls-key FILE.');
  }
  return true;
}

/**
 * `--store URL`, or KEYWARDEN_STORE: a PostgreSQL database instead of SQLite in the data directory.
 * The URL itself is checked when the service starts, which then exits with one line naming --store.
 */
function storeOption(args: Args, inMemory: boolean): string | undefined {
  const given = stringOption(args, 'store');
  if (given !== undefined && inMemory) throw new UsageError('--in-memory keeps the data in this process: leave out --store, or --in-memory.');
  // In memory, a store named by the environment is not used: the option says where the data is.
  if (inMemory) return undefined;
  return given ?? (process.env.KEYWARDEN_STORE || undefined);
}

/**
 * `--hsm-engine software|pkcs11`, `--root-key file|pkcs11`, `--pkcs11-module PATH`,
 * `--pkcs11-config FILE`: where the clusters' key objects and the root key live. The library,
 * tokens and PINs are checked when the service starts (a wrong one ends it with exit status 1).
 */
function pkcs11Options(args: Args): Pick<KeywardenOptions, 'hsmEngine' | 'rootKeyIn' | 'pkcs11'> {
  const hsmEngine = stringOption(args, 'hsm-engine') ?? 'software';
  if (hsmEngine !== 'software' && hsmEngine !== 'pkcs11') throw new UsageError(`--hsm-engine takes 'software' or 'pkcs11', not '${hsmEngine}'.`);
  const rootKeyIn = stringOption(args, 'root-key') ?? 'file';
  if (rootKeyIn !== 'file' && rootKeyIn !== 'pkcs11') throw new UsageError(`--root-key takes 'file' or 'pkcs11', not '${rootKeyIn}'.`);
  if (rootKeyIn === 'pkcs11' && args.options.has('root-key-file')) throw new UsageError('--root-key pkcs11 keeps the root key in a token: leave out --root-key-file.');
  const module = stringOption(args, 'pkcs11-module');
  const configFile = stringOption(args, 'pkcs11-config');
  const wanted = hsmEngine === 'pkcs11' || rootKeyIn === 'pkcs11';
  if (wanted && module === undefined) {
    throw new UsageError(`${hsmEngine === 'pkcs11' ? '--hsm-engine' : '--root-key'} pkcs11 needs --pkcs11-module PATH, the PKCS#11 library of the tokens.`);
  }
  if (!wanted && (module !== undefined || configFile !== undefined)) {
    throw new UsageError('--pkcs11-module and --pkcs11-config go with --hsm-engine pkcs11 or --root-key pkcs11.');
  }
  return {
    hsmEngine,
    rootKeyIn,
    ...(wanted ? { pkcs11: { module: module!, configFile, pin: process.env.KEYWARDEN_PKCS11_PIN } } : {}),
  };
}

/** `--shared-store`: one node of several on the data directory. */
function sharedStoreSwitch(args: Args): boolean {
  if (args.options.get('shared-store') !== true) return false;
  if (args.options.get('in-memory') === true) throw new UsageError('--shared-store shares a data directory, which --in-memory does without: leave out one of them.');
  return true;
}

/** `--log-level LEVEL`: the least severe records logged (default info: a line per request). */
function logLevel(args: Args): LogLevel | undefined {
  const v = stringOption(args, 'log-level');
  if (v === undefined) return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new UsageError(`--log-level takes ${LOG_LEVELS.join(', ')}, not '${v}'.`);
  return v as LogLevel;
}

/** `--log-format text|json`: JSON lines (the default unless standard error is a terminal) or text. */
function logFormat(args: Args): LogFormat | undefined {
  const v = stringOption(args, 'log-format');
  if (v === undefined) return undefined;
  if (!(LOG_FORMATS as readonly string[]).includes(v)) throw new UsageError(`--log-format takes 'text' or 'json', not '${v}'.`);
  return v as LogFormat;
}

/** `--metrics loopback|any|off`: who may read GET /metrics (default loopback callers only). */
function metricsAccess(args: Args): MetricsAccess | undefined {
  const v = stringOption(args, 'metrics');
  if (v === undefined) return undefined;
  if (!(METRICS_ACCESS as readonly string[]).includes(v)) throw new UsageError(`--metrics takes 'loopback', 'any' or 'off', not '${v}'.`);
  return v as MetricsAccess;
}

/**
 * `--clock real|manual`: the service clock follows the system's (default), or stands still and
 * moves only with `keywarden clock advance`, which then runs whatever fell due (for tests that
 * move time instead of waiting).
 */
function clockMode(args: Args): 'real' | 'manual' {
  const v = stringOption(args, 'clock') ?? 'real';
  if (v !== 'real' && v !== 'manual') throw new UsageError(`--clock takes 'real' or 'manual', not '${v}'.`);
  if (v === 'manual' && args.options.get('allow-clock-control') !== true) {
    throw new UsageError('--clock manual needs --allow-clock-control: only `keywarden clock advance` moves a manual clock.');
  }
  return v;
}

/** `--tls self-signed`, or `--tls-cert FILE --tls-key FILE`: serve HTTPS. */
function tlsSetting(args: Args): TlsSetting | undefined {
  const mode = stringOption(args, 'tls');
  const certFile = stringOption(args, 'tls-cert');
  const keyFile = stringOption(args, 'tls-key');
  if (mode !== undefined) {
    if (mode !== 'self-signed') throw new UsageError(`--tls takes 'self-signed' (or use --tls-cert FILE --tls-key FILE), not '${mode}'.`);
    if (certFile !== undefined || keyFile !== undefined) throw new UsageError('--tls self-signed makes its own certificate: leave out --tls-cert and --tls-key.');
    return { selfSigned: true };
  }
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new UsageError('--tls-cert and --tls-key go together: pass the certificate (PEM) and its private key (PEM).');
  return { certFile, keyFile };
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

/**
 * `--console on|off`: serve the web console at /console. On by default only when the service
 * listens on a loopback address: elsewhere it is a page that other machines can load, which its
 * operator should choose to offer (browsers give it Web Crypto, which signing needs, only over
 * HTTPS or on localhost).
 */
function consoleSwitch(args: Args, host: string): boolean {
  const v = stringOption(args, 'console');
  if (v === undefined) return isLoopback(host);
  if (v !== 'on' && v !== 'off') throw new UsageError(`--console takes 'on' or 'off', not '${v}'.`);
  return v === 'on';
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

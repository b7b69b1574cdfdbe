import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunningKeywarden } from '../app.js';
import { packageVersion as keywardenVersion } from '../observability/package-version.js';

/**
 * What `keywarden serve` says once it answers, for scripts and test harnesses: one JSON object on
 * stdout with --json, and the same object in --ready-file.
 */
export interface ReadyLine {
  event: 'ready';
  url: string;
  host: string;
  port: number;
  pid: number;
  /** Absent under --in-memory, which keeps no data directory. */
  dataDir?: string;
  inMemory?: true;
  /** The PostgreSQL database the data is in, when --store names one (its URL without a password). */
  store?: string;
  version: string;
  /** The certificate an HTTPS endpoint serves: what AWS_CA_BUNDLE names when it is self-signed. */
  tlsCertificate?: string;
  selfSigned?: boolean;
  /** The web console's address, when it is served. */
  consoleUrl?: string;
  /** With `serve --workers`: the pid of each worker process (`pid` is the primary's, which stops them all). */
  workers?: number[];
}

export function readyLine(running: RunningKeywarden, dataDir: string | undefined): ReadyLine {
  return {
    event: 'ready',
    url: running.url,
    host: running.host,
    port: running.port,
    pid: process.pid,
    ...(dataDir === undefined ? { inMemory: true as const } : { dataDir: resolve(dataDir) }),
    ...(running.store.kind === 'postgres' ? { store: running.store.location } : {}),
    version: keywardenVersion(),
    ...(running.tls ? { tlsCertificate: running.tls.certFile, selfSigned: running.tls.selfSigned } : {}),
    ...(running.consoleUrl ? { consoleUrl: running.consoleUrl } : {}),
  };
}

/** Written whole or not at all (a rename), so that whoever waits for the file never reads half of it. */
export function writeReadyFile(file: string, line: ReadyLine): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(line) + '\n');
  renameSync(tmp, file);
}

/** Gone before the start and after the shutdown: a file left by an earlier run must not look ready. */
export function removeReadyFile(file: string | undefined): void {
  if (file !== undefined) rmSync(file, { force: true });
}

import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { linkRecords, type ChainPoint } from '../../audit/chain.js';
import type { AuditStore, AuditStoreCondition, ExportPage, FoundRecord, LogLoss, LookupAttributeKey, LookupFilter, StoredRecord } from '../../audit/repository.js';
import { verifyTrail, type VerifyReport } from '../../audit/verify.js';
import type { IndexerData, IndexerReply, IndexerRequest } from './audit-indexer-thread.js';
import type { FileLock } from '../file-lock.js';
import { LogAppender, SEGMENT_BYTES, segmentPath, segments, sharedPosition, type SyncMode } from './audit-log.js';
import { adoptOrphanLogs, claimLogDir, logDirOf, recover, releaseLogDir } from './audit-logs.js';
import type { ReaderData, ReaderReply, ReaderRequest } from './audit-reader-thread.js';
import { AuditReads } from './audit-reads.js';
import { AUDIT_MIGRATIONS, AuditTables, SEP, TAB } from './audit-sql.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

export interface AuditStoreOptions {
  /**
   * The directory of the trail's write-ahead logs. Records a crash left there are applied at
   * startup whether or not the service records anything now.
   */
  logDir?: string;
  /**
   * Record through the log: the database file (for the indexer thread's own connection) and when
   * a record must be on disk (see SyncMode). Without it (':memory:' databases in tests, or a
   * service that records nothing), records are written straight to `db` on the calling thread.
   */
  durable?: { file: string; sync?: SyncMode; onError: (err: unknown) => void; applyChunkBytes?: number };
  /**
   * This process is one node of several on the database file (serve --shared-store): its log is
   * its own, named after it, in a subdirectory of `logDir`; reads apply the other nodes' logs
   * first; the logs of nodes that died are adopted (adoptOrphanLogs, a job one node runs at a time).
   */
  node?: string;
}

/** The audit store of the service, with what only its storage knows how to do. */
export interface SqliteAuditStore extends AuditStore {
  /**
   * Applies and removes the write-ahead logs of processes on this database that are gone (nodes of
   * a shared store that died, or a service that once ran alone on the directory); returns how many.
   */
  adoptOrphanLogs(): Promise<number>;
}

/**
 * The audit trail on the service's shared database. Records go to the write-ahead log first (see
 * audit-log.ts); the indexer thread applies the log to the tables in large transactions. Reads
 * first let the indexer catch up, so they see every record whose call was answered.
 */
export function auditStoreOn(db: Db, opts: AuditStoreOptions = {}): SqliteAuditStore {
  migrate(db, 'audit', AUDIT_MIGRATIONS);
  const tables = new AuditTables(db);
  const log = opts.node ?? '';
  // Alone on the directory, the service's own log is the one a crash may have left records in. A
  // node's own log is new; what other processes left is adopted later, by one node.
  if (opts.logDir && log === '') recover(tables, '', opts.logDir);
  const onError = opts.durable?.onError ?? (() => {});
  if (!opts.durable || !opts.logDir) return new Store(db, tables, new InlineWriter(tables, opts.logDir, log), onError);
  mkdirSync(opts.logDir, { recursive: true, mode: 0o700 });
  const owned = log === '' ? undefined : claimLogDir(opts.logDir, log);
  const start = tables.applied(log).segment;
  const writer = new LoggedWriter(tables, opts.durable.file, opts.logDir, log, owned, start, opts.durable.sync ?? 'os', onError, opts.durable.applyChunkBytes);
  return new Store(db, tables, writer, onError);
}

interface Writer {
  append(record: string, changed?: boolean): Promise<void>;
  flush(): Promise<void>;
  /** Makes every record appended so far visible to reads. */
  catchUp(): Promise<void>;
  purgeBefore(cutoff: number): Promise<number>;
  adoptOrphanLogs(): Promise<number>;
  condition(): AuditStoreCondition;
  close(): Promise<void>;
}

/** Straight into the tables, on the calling thread: in-memory databases, and services that record nothing. */
class InlineWriter implements Writer {
  constructor(
    private readonly tables: AuditTables,
    private readonly logDir: string | undefined,
    private readonly log: string,
  ) {}

  append(record: string): Promise<void> {
    try {
      this.tables.appendAfterHead((head) => {
        const links = linkRecords(head, [record]);
        if (links.taken !== 1) throw new Error('an audit record must be one JSON object');
        return links.records;
      });
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve();
  }

  async flush(): Promise<void> {}

  async catchUp(): Promise<void> {}

  async purgeBefore(cutoff: number): Promise<number> {
    return this.tables.purgeBefore(cutoff);
  }

  async adoptOrphanLogs(): Promise<number> {
    return this.logDir ? adoptOrphanLogs(this.tables, this.logDir, this.log) : 0;
  }

  condition(): AuditStoreCondition {
    return { backlogBytes: 0 };
  }

  async close(): Promise<void> {}
}

/** A worker thread that answers requests `{id, ...}` with replies `{id, ok, ...}`. */
class Thread<Req extends { id: number }, Rep extends { id: number; ok: boolean }> {
  readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  failure: Error | undefined;
  closing = false;

  constructor(
    url: URL,
    opts: ConstructorParameters<typeof Worker>[1],
    private readonly name: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.worker = new Worker(url, opts);
    this.worker.on('message', (reply: Rep & { message?: string }) => this.answer(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closing) return this.fail(new Error(`the audit trail's ${this.name} thread stopped (exit code ${code})`));
      // A request still waiting (one retrying while the thread was stopped) gets an answer.
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the audit trail's ${this.name} thread is closed`));
      this.pending.clear();
    });
  }

  private answer(reply: Rep & { message?: string }): void {
    if (reply.id === 0) return this.onError(new Error(`the audit trail's ${this.name} failed: ${reply.message}`));
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(`the audit trail's ${this.name} failed: ${reply.message}`));
  }

  request(msg: DistributiveOmit<Req, 'id'>): Promise<Rep> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** The thread is gone: whatever waits on it fails, and so does every later request. */
  private fail(err: Error): void {
    this.failure ??= err;
    this.onError(err);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}

const INDEXER_YOUNG_GENERATION_MB = 8;

/**
 * Records go through the write-ahead log, appended on this thread one event loop turn at a time
 * (LogAppender); the indexer thread applies the log to the tables.
 */
class LoggedWriter implements Writer {
  private readonly log: LogAppender;
  private readonly logDir: string;
  private readonly indexer: Thread<IndexerRequest & { id: number }, IndexerReply>;
  private last: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly tables: AuditTables,
    file: string,
    private readonly root: string,
    private readonly name: string,
    /** A node's hold on its log directory (undefined for the service's own log). */
    private readonly owned: FileLock | undefined,
    segment: number,
    sync: SyncMode,
    onError: (err: unknown) => void,
    applyChunkBytes?: number,
  ) {
    this.logDir = logDirOf(root, name);
    const written = new SharedArrayBuffer(8);
    const position = sharedPosition(written);
    this.log = new LogAppender(this.logDir, segment, { sync, onPosition: position.store, onError });
    position.store(this.log.position);
    const indexerData: IndexerData = {
      file,
      root,
      log: name,
      from: this.log.position,
      written,
      shared: owned !== undefined,
      ...(applyChunkBytes !== undefined ? { applyChunkBytes } : {}),
    };
    // The thread parses every record it applies, so its young generation would grow to V8's
    // largest (tens of MB, kept resident) for garbage that dies within a chunk; a small one costs
    // it a few more scavenges, off the thread that answers calls.
    const resourceLimits = { maxYoungGenerationSizeMb: INDEXER_YOUNG_GENERATION_MB };
    this.indexer = new Thread(new URL('./audit-indexer-thread.js', import.meta.url), { workerData: indexerData, resourceLimits }, 'indexer', onError);
  }

  append(record: string, changed = false): Promise<void> {
    return (this.last = this.log.append(record, changed));
  }

  /** Every append so far is written (turns are written in order, so the last one's is enough). */
  flush(): Promise<void> {
    return this.last.then(
      () => {},
      () => {},
    );
  }

  async catchUp(): Promise<void> {
    // Records of the current turn are not in the log yet: written first, so reads see them too.
    this.log.write();
    await this.flush();
    await this.indexer.request({ type: 'flush' });
  }

  async purgeBefore(cutoff: number): Promise<number> {
    return ((await this.indexer.request({ type: 'purge', cutoff })) as { result?: number }).result ?? 0;
  }

  async adoptOrphanLogs(): Promise<number> {
    return ((await this.indexer.request({ type: 'adopt' })) as { result?: number }).result ?? 0;
  }

  condition(): AuditStoreCondition {
    const at = this.log.position;
    const applied = this.tables.applied(this.name);
    // Segments the writer left are nearly full: counting them whole is close enough for a gauge.
    const backlogBytes = Math.max(0, (at.segment - applied.segment) * SEGMENT_BYTES + at.end - applied.end);
    const problem = this.log.failed?.message ?? this.indexer.failure?.message ?? this.missingLog(at.segment);
    return problem === undefined ? { backlogBytes } : { problem, backlogBytes };
  }

  /**
   * Records written to a segment whose file was removed (by hand, by a clean-up job) are written
   * nowhere a restart could find them, although every write succeeds: said before it matters.
   */
  private missingLog(segment: number): string | undefined {
    try {
      accessSync(this.logDir, constants.W_OK);
    } catch (err) {
      return `the audit log directory ${this.logDir} cannot be written: ${(err as Error).message}`;
    }
    const file = segmentPath(this.logDir, segment);
    return existsSync(file) ? undefined : `the audit log file ${file} was removed while in use`;
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await this.log.close();
      this.indexer.closing = true;
      let cleared = false;
      if (!this.indexer.failure) cleared = (await this.indexer.request({ type: 'close' })).ok;
      await this.indexer.worker.terminate();
      // A node's log, applied and cleared, goes with its directory; one left with records stays for a restart or an adopter.
      if (this.owned) {
        if (cleared && segments(this.logDir).length === 0) releaseLogDir(this.tables, this.root, this.name, this.owned);
        else this.owned.release();
      }
    })());
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The filter for each lookup attribute, on the value `@value` (already in its column's form). */
const ATTRIBUTE_CLAUSES: Record<LookupAttributeKey, string> = {
  EventId: 'event_id = @value',
  EventName: 'event_name = @value',
  ReadOnly: 'read_only = @value',
  Username: 'username = @value',
  ResourceType: 'instr(resources, @value) > 0',
  ResourceName: '(instr(resources, @value) > 0 OR instr(resources, @keyId) > 0)',
  EventSource: 'event_source = @value',
  AccessKeyId: 'access_key_id = @value',
};

/** The reader thread's heap: verification holds a page of a few MiB; a runaway read fails its request, not the service. */
const READER_HEAP_MB = 256;

class Store implements SqliteAuditStore {
  private readonly lookups = new Map<string, ReturnType<Db['prepare']>>();
  private readonly reads: AuditReads;
  /** The reader thread (a database file only), started on first use and again after a failure. */
  private readerThread: Thread<ReaderRequest, ReaderReply> | undefined;
  private verifying: Promise<VerifyReport> | undefined;
  private nextVerify: Promise<VerifyReport> | undefined;

  constructor(
    private readonly db: Db,
    private readonly tables: AuditTables,
    private readonly writer: Writer,
    private readonly onError: (err: unknown) => void,
  ) {
    this.reads = new AuditReads(db);
  }

  append(record: string, changed = false): Promise<void> {
    return this.writer.append(record, changed);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  async lookup(f: LookupFilter): Promise<FoundRecord[]> {
    await this.writer.catchUp();
    const key = `${f.attribute?.key ?? ''}|${f.after ? 'after' : ''}`;
    let stmt = this.lookups.get(key);
    if (stmt === undefined) {
      const where = ['account_id = @account', 'region = @region', 'event_time BETWEEN @start AND @end'];
      if (f.attribute) where.push(ATTRIBUTE_CLAUSES[f.attribute.key]);
      if (f.after) where.push('(event_time, seq) < (@afterTime, @afterSeq)');
      stmt = this.db.prepare(
        `SELECT seq, event_time AS eventTime, record FROM audit_events WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT @limit`,
      );
      this.lookups.set(key, stmt);
    }
    const params: Record<string, unknown> = {
      account: f.accountId,
      region: f.region,
      start: f.startTime,
      end: Math.min(f.endTime, Number.MAX_SAFE_INTEGER),
      limit: f.limit,
    };
    if (f.attribute) Object.assign(params, attributeValue(f.attribute.key, f.attribute.value));
    if (f.after) Object.assign(params, { afterTime: f.after.eventTime, afterSeq: f.after.seq });
    return stmt.all(params) as FoundRecord[];
  }

  async exportPage(accountId: string, startTime: number, endTime: number, afterSeq: number, limit: number, maxBytes: number): Promise<ExportPage> {
    await this.writer.catchUp();
    if (this.db.memory) return this.reads.exportPage(accountId, startTime, endTime, afterSeq, limit, maxBytes);
    const reply = await this.reader().request({ type: 'export', accountId, startTime, endTime, afterSeq, limit, maxBytes });
    return (reply as { page: ExportPage }).page;
  }

  async chainPage(afterSeq: number, limit: number): Promise<StoredRecord[]> {
    await this.writer.catchUp();
    return this.reads.chainPage(afterSeq, limit);
  }

  async chainEnds(): Promise<{ anchor: ChainPoint; head: ChainPoint | undefined; losses: LogLoss[] }> {
    await this.writer.catchUp();
    return this.reads.chainEnds();
  }

  verify(): Promise<VerifyReport> {
    if (this.verifying === undefined) {
      return (this.verifying = this.verifyOnce().finally(() => (this.verifying = undefined)));
    }
    // One runs already, and may have started before the caller's last records: the next run,
    // shared by everyone who asks meanwhile, starts when it ends.
    return (this.nextVerify ??= this.verifying
      .catch(() => {})
      .then(() => {
        this.nextVerify = undefined;
        return this.verify();
      }));
  }

  private async verifyOnce(): Promise<VerifyReport> {
    await this.writer.catchUp();
    // An in-memory database has no other connection: tests, on their own thread.
    if (this.db.memory) return verifyTrail(this);
    return ((await this.reader().request({ type: 'verify' })) as { report: VerifyReport }).report;
  }

  private reader(): Thread<ReaderRequest, ReaderReply> {
    if (this.readerThread === undefined || this.readerThread.failure) {
      if (this.readerThread) {
        this.readerThread.closing = true;
        void this.readerThread.worker.terminate();
      }
      const data: ReaderData = { file: this.db.name };
      const thread = new Thread<ReaderRequest, ReaderReply>(
        new URL('./audit-reader-thread.js', import.meta.url),
        { workerData: data, resourceLimits: { maxOldGenerationSizeMb: READER_HEAP_MB } },
        'reader',
        this.onError,
      );
      // An idle reader does not keep the process alive.
      thread.worker.unref();
      this.readerThread = thread;
    }
    return this.readerThread;
  }

  purgeBefore(cutoff: number): Promise<number> {
    return this.writer.purgeBefore(cutoff);
  }

  adoptOrphanLogs(): Promise<number> {
    return this.writer.adoptOrphanLogs();
  }

  condition(): AuditStoreCondition {
    return this.writer.condition();
  }

  async close(): Promise<void> {
    if (this.readerThread) {
      this.readerThread.closing = true;
      await this.readerThread.worker.terminate();
    }
    return this.writer.close();
  }
}

function attributeValue(key: LookupAttributeKey, value: string): Record<string, unknown> {
  switch (key) {
    case 'ReadOnly':
      return { value: value === 'true' ? 1 : 0 };
    case 'ResourceType':
      return { value: SEP + value + TAB };
    case 'ResourceName':
      return { value: TAB + value + SEP, keyId: `:key/${value}${SEP}` };
    default:
      return { value };
  }
}

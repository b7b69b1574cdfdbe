import { existsSync, mkdirSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { chainDigest, GENESIS, type ChainPoint } from '../../audit/chain.js';
import type { AuditEntry } from '../../audit/record.js';
import type { AuditStore, FoundRecord, LookupAttributeKey, LookupFilter, StoredRecord } from '../../audit/repository.js';
import type { IndexerData, IndexerReply, IndexerRequest } from './audit-indexer-thread.js';
import type { LogReply, LogRequest, LogThreadData } from './audit-log-thread.js';
import { chainedLines, durablePosition, preallocateSync, removeSegment, segments } from './audit-log.js';
import { AUDIT_MIGRATIONS, AuditTables, type ChainedRecord, decodeResources, SEP, TAB } from './audit-sql.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

export interface AuditStoreOptions {
  /**
   * The directory of the trail's write-ahead log. Records a crash left there are applied at
   * startup whether or not the service records anything now.
   */
  logDir?: string;
  /**
   * Record through the log: the database file (for the indexer thread's own connection). Without
   * it (':memory:' databases in tests, or a service that records nothing), records are written
   * straight to `db` on the calling thread.
   */
  durable?: { file: string; onError: (err: unknown) => void };
}

/**
 * The audit trail on the service's shared database. A batch is durable once the write-ahead log
 * has it (one write, one fdatasync, off the event loop); the indexer thread applies the log to the
 * tables in large transactions. Reads first let the indexer catch up, so they see every record
 * whose call was answered.
 */
export function auditStoreOn(db: Db, opts: AuditStoreOptions = {}): AuditStore {
  migrate(db, 'audit', AUDIT_MIGRATIONS);
  const tables = new AuditTables(db);
  const head = opts.logDir && existsSync(opts.logDir) ? recover(tables, opts.logDir) : tables.head();
  if (!opts.durable || !opts.logDir) return new SqliteAuditStore(db, new InlineWriter(tables));
  mkdirSync(opts.logDir, { recursive: true });
  preallocateSync(opts.logDir, 1);
  return new SqliteAuditStore(db, new LoggedWriter(opts.durable.file, opts.logDir, head, opts.durable.onError));
}

/**
 * At startup: applies what the log holds beyond the tables' head (records a crash left
 * unapplied, all of them made durable before their calls were answered), then clears the log.
 */
function recover(tables: AuditTables, logDir: string): ChainPoint {
  let head = tables.head();
  for (const segment of segments(logDir)) {
    const { lines } = chainedLines(segment.path, head);
    tables.insert(lines);
    if (lines.length > 0) head = { seq: lines[lines.length - 1]!.seq, digest: lines[lines.length - 1]!.digest };
  }
  for (const segment of segments(logDir)) removeSegment(segment.path);
  return head;
}

/** Gives each entry the next sequence number and a digest chained to the previous record's. */
function chain(head: ChainPoint, entries: AuditEntry[]): ChainedRecord[] {
  let prev = head;
  return entries.map((e) => {
    const seq = prev.seq + 1;
    const digest = chainDigest(prev.digest, e.record);
    prev = { seq, digest };
    return { seq, digest, record: e.record, index: e };
  });
}

interface Writer {
  append(entries: AuditEntry[]): Promise<void>;
  readonly appendsInFlight: number;
  poll?(): void;
  /** Makes every record appended so far visible to reads. */
  catchUp(): Promise<void>;
  purgeBefore(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

class InlineWriter implements Writer {
  readonly appendsInFlight = 1;

  constructor(private readonly tables: AuditTables) {}

  async append(entries: AuditEntry[]): Promise<void> {
    this.tables.insert(chain(this.tables.head(), entries));
  }

  async catchUp(): Promise<void> {}

  async purgeBefore(cutoff: number): Promise<number> {
    return this.tables.purgeBefore(cutoff);
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
    /** Where the thread answers, when not on its parent port: then poll() can read answers at once. */
    readonly replies?: MessagePort,
  ) {
    this.worker = new Worker(url, opts);
    (replies ?? this.worker).on('message', (reply: Rep & { message?: string }) => this.answer(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`the audit trail's ${this.name} thread stopped (exit code ${code})`));
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

  /**
   * Takes the answers that have arrived, without waiting for the event loop to deliver them: the
   * loop delivers messages only between whole batches of I/O callbacks, which under load means
   * after the requests of a whole turn were handled.
   */
  poll(): void {
    if (!this.replies || this.pending.size === 0) return;
    for (let m = receiveMessageOnPort(this.replies); m !== undefined; m = receiveMessageOnPort(this.replies)) this.answer(m.message as Rep);
  }

  request(msg: DistributiveOmit<Req, 'id'>, transfer?: ArrayBuffer[]): Promise<Rep> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
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


/**
 * Records go through the write-ahead log: the log writer thread chains each batch on, appends it
 * and waits for its fdatasync; the indexer thread applies the log to the tables.
 * This thread only hands batches over and hears back, so it keeps answering calls while the disk
 * works.
 */
class LoggedWriter implements Writer {
  /**
   * Each record is handed over the moment its call completes: the log writer thread merges
   * whatever is waiting into one write and one fdatasync (the group commit happens there), so no
   * record waits for the rest of an event loop turn, or for a round trip between threads, before
   * it is on its way to the disk.
   */
  readonly appendsInFlight = Infinity;
  private readonly indexer: Thread<IndexerRequest & { id: number }, IndexerReply>;
  private readonly log: Thread<LogRequest, LogReply>;
  private closed = false;

  constructor(
    file: string,
    logDir: string,
    /** The chain's head when the service starts: the log writer thread carries it on from there. */
    head: ChainPoint,
    private readonly onError: (err: unknown) => void,
  ) {
    const durable = new SharedArrayBuffer(8);
    durablePosition(durable).store({ segment: 1, end: 0 });
    const indexerData: IndexerData = { file, dir: logDir, segment: 1, head, durable };
    this.indexer = new Thread(new URL('./audit-indexer-thread.js', import.meta.url), { workerData: indexerData }, 'indexer', onError);
    const { port1, port2 } = new MessageChannel();
    const logData: LogThreadData = { dir: logDir, segment: 1, head, durable, replies: port2 };
    this.log = new Thread(new URL('./audit-log-thread.js', import.meta.url), { workerData: logData, transferList: [port2] }, 'log writer', onError, port1);
  }

  async append(entries: AuditEntry[]): Promise<void> {
    await this.log.request({ type: 'append', records: entries.map((e) => e.record) });
  }

  poll(): void {
    this.log.poll();
  }

  async catchUp(): Promise<void> {
    await this.indexer.request({ type: 'flush' });
  }

  async purgeBefore(cutoff: number): Promise<number> {
    return ((await this.indexer.request({ type: 'purge', cutoff })) as { result?: number }).result ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.closing = true;
    if (!this.log.failure) await this.log.request({ type: 'close' }).catch((err: unknown) => this.onError(err));
    await this.log.worker.terminate();
    this.log.replies?.close();
    this.indexer.closing = true;
    if (!this.indexer.failure) await this.indexer.request({ type: 'close' });
    await this.indexer.worker.terminate();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Row {
  seq: number;
  event_time: number;
  account_id: string;
  region: string;
  event_id: string;
  event_name: string;
  event_source: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  resources: string;
  record: string;
  digest: string;
}

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

class SqliteAuditStore implements AuditStore {
  readonly appendsInFlight: number;
  private readonly lookups = new Map<string, ReturnType<Db['prepare']>>();
  private readonly exportStmt;
  private readonly chainStmt;
  private readonly pointStmt;

  constructor(
    private readonly db: Db,
    private readonly writer: Writer,
  ) {
    this.appendsInFlight = writer.appendsInFlight;
    this.exportStmt = db.prepare<[number, string, number, number, number], { seq: number; record: string }>(
      'SELECT seq, record FROM audit_events WHERE seq > ? AND account_id = ? AND event_time BETWEEN ? AND ? ORDER BY seq LIMIT ?',
    );
    this.chainStmt = db.prepare<[number, number], Row>('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.pointStmt = db.prepare<[string], ChainPoint>('SELECT seq, digest FROM audit_chain WHERE point = ?');
  }

  append(entries: AuditEntry[]): Promise<void> {
    return this.writer.append(entries);
  }

  poll(): void {
    this.writer.poll?.();
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

  async exportPage(accountId: string, startTime: number, endTime: number, afterSeq: number, limit: number) {
    await this.writer.catchUp();
    return this.exportStmt.all(afterSeq, accountId, startTime, Math.min(endTime, Number.MAX_SAFE_INTEGER), limit);
  }

  async chainPage(afterSeq: number, limit: number): Promise<StoredRecord[]> {
    await this.writer.catchUp();
    return this.chainStmt.all(afterSeq, limit).map(storedRecord);
  }

  async chainEnds(): Promise<{ anchor: ChainPoint; head: ChainPoint | undefined }> {
    await this.writer.catchUp();
    return { anchor: this.pointStmt.get('anchor') ?? GENESIS, head: this.pointStmt.get('head') };
  }

  purgeBefore(cutoff: number): Promise<number> {
    return this.writer.purgeBefore(cutoff);
  }

  close(): Promise<void> {
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

function storedRecord(r: Row): StoredRecord {
  const s: StoredRecord = {
    seq: r.seq,
    digest: r.digest,
    record: r.record,
    eventTime: r.event_time,
    accountId: r.account_id,
    region: r.region,
    eventId: r.event_id,
    eventName: r.event_name,
    eventSource: r.event_source,
    readOnly: r.read_only === 1,
    resources: decodeResources(r.resources),
  };
  if (r.username !== null) s.username = r.username;
  if (r.access_key_id !== null) s.accessKeyId = r.access_key_id;
  return s;
}

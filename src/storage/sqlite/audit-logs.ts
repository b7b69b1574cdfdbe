import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tryLockFile, type FileLock } from '../file-lock.js';
import { removeStrayFiles, segmentPath, segments } from './audit-log.js';
import { type AuditTables, clearLog, readSegment } from './audit-sql.js';

// The write-ahead logs of the processes that write one trail. A service alone on its data
// directory has one log, in the log directory itself (log ''). Processes that share the directory
// (`serve --shared-store`) each write a log of their own, in a subdirectory named after the node
// (log 'node-…'), which its indexer applies; whoever reads the trail first applies the whole
// records every other log holds, so that it sees every record any node acknowledged; and the log
// of a node that died is adopted: applied to the end and removed, by whichever node claims that job.
//
// Whether a log's writer is alive is the kernel's to say: each node holds a lock on a file in its
// log directory (file-lock.ts) until it ends, however it ends, so whoever can take that lock knows
// the writer is gone. No record of any log is applied twice: the position each log was applied up
// to is read and moved inside the transaction that stores its records (AuditTables.applyLog).

/** A node's log directory: `node-` and the node's id. */
const NODE_LOG = /^node-[A-Za-z0-9-]+$/;
/** A node's log directory while it is being made, before its owner holds its lock. */
const MAKING = /^\.node-[A-Za-z0-9-]+\.making$/;
const OWNER_LOCK = 'owner.lock';

export const logDirOf = (root: string, log: string) => (log === '' ? root : join(root, log));

/**
 * Makes this node's log directory and takes its lock. The directory is made under another name and
 * renamed once locked: an adopter never finds a node's directory without its lock held.
 */
export function claimLogDir(root: string, log: string): FileLock {
  if (!NODE_LOG.test(log)) throw new Error(`'${log}' is not a node's log name`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const making = join(root, `.${log}.making`);
  mkdirSync(making, { mode: 0o700 });
  const lock = tryLockFile(join(making, OWNER_LOCK));
  if (!lock) throw new Error(`the audit log directory ${making} is held by another process`);
  renameSync(making, join(root, log));
  return lock;
}

/** Removes this node's log directory once its log is applied and cleared (a clean stop). */
export function releaseLogDir(tables: AuditTables, root: string, log: string, lock: FileLock): void {
  rmSync(join(root, log), { recursive: true, force: true });
  lock.release();
  tables.forget(log);
}

/**
 * At startup, or when adopting the log of a process that died: applies what log `log` holds beyond
 * the position the tables record (records a crash left unapplied, all of them written before their
 * calls were answered), then clears it. A last line cut short by a crash was never answered (its
 * write had not returned) and is dropped.
 *
 * What the log should still hold is known: at least what was applied from the segment applying
 * stopped in, up to where it was last recorded written, every segment in between (the writer
 * never leaves a segment empty or with a partial line). Whatever of that is missing (a segment
 * emptied, cut short or removed, by hand or by a second service on the same directory before
 * there was a lock) held acknowledged records that are now lost: that is recorded, for `audit
 * verify` to report, and applying goes on with what is there.
 */
export function recover(tables: AuditTables, log: string, dir: string): void {
  if (existsSync(dir)) removeStrayFiles(dir);
  const present = new Map((existsSync(dir) ? segments(dir) : []).map((s) => [s.n, s.path]));
  const from = tables.applied(log);
  const marked = tables.written(log);
  // A mark at the start of a segment says nothing was written there yet: nothing to expect.
  const written = marked && marked.end > 0 && (marked.segment > from.segment || (marked.segment === from.segment && marked.end > from.end)) ? marked : from;
  const last = Math.max(written.segment, ...present.keys());
  const of = log === '' ? 'the log' : `the log of ${log}`;
  const lost = (detail: string) => tables.recordLoss({ afterSeq: tables.head().seq, detail });
  for (let n = from.segment; n <= last; n++) {
    const path = present.get(n);
    const start = n === from.segment ? from.end : 0;
    const known = n === written.segment ? written.end : start;
    // A segment before the last one was complete: the writer moved on only after a whole write.
    const sealed = n < last;
    if (path === undefined) {
      if (known > 0 || n < written.segment) lost(`segment ${n} of ${of} is missing${known > 0 ? `; ${known} bytes of it had been written` : ''}`);
      continue;
    }
    const size = statSync(path).size;
    if (size < start) {
      lost(`segment ${n} of ${of} holds ${size} bytes; ${known} had been written and ${start} applied`);
      continue;
    }
    // A reader of another process may have applied part of this segment meanwhile: the tables say how far.
    const applied = tables.applyLog(log, (at) => {
      if (at.segment > n) return undefined;
      const begin = at.segment === n ? Math.max(at.end, start) : start;
      const lines = readSegment(path, begin);
      return { segment: n, start: begin, lines, at: { segment: n, end: lines.length > 0 ? lines[lines.length - 1]!.end : begin } };
    });
    const end = applied.at.segment === n ? applied.at.end : size;
    if (end < known) lost(`segment ${n} of ${of} holds whole records up to byte ${end}; ${known} bytes had been written`);
    else if (sealed && (end !== size || size === 0)) lost(`segment ${n} of ${of}, which a later segment follows, ends ${size === 0 ? 'empty' : `in a partial record at byte ${end}`}`);
  }
  clearLog(tables, log, dir);
}

/**
 * Applies the whole records log `log` (another live process's) holds beyond what was applied, and
 * goes no further: the line its writer is writing now, and anything after, waits. Removes nothing:
 * the log is its writer's. Returns how many records were applied.
 */
export function applyWholeRecords(tables: AuditTables, log: string, dir: string): number {
  let count = 0;
  for (;;) {
    const applied = tables.applyLog(log, (from) => {
      const path = segmentPath(dir, from.segment);
      if (!existsSync(path)) return undefined;
      // A segment that a later one follows is complete: its writer moved on after a whole write.
      const sealed = existsSync(segmentPath(dir, from.segment + 1));
      const lines = readSegment(path, from.end);
      const end = lines.length > 0 ? lines[lines.length - 1]!.end : from.end;
      const done = sealed && end === statSync(path).size;
      return { segment: from.segment, start: from.end, lines, at: done ? { segment: from.segment + 1, end: 0 } : { segment: from.segment, end } };
    });
    count += applied.count;
    if (applied.at.segment === applied.from.segment) return count;
  }
}

/** The logs in `root` besides `own`: the service's own ('', when it holds segments) and every node's. */
function otherLogs(root: string, own: string): string[] {
  if (!existsSync(root)) return [];
  const names = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && NODE_LOG.test(e.name) && e.name !== own)
    .map((e) => e.name);
  return own !== '' && segments(root).length > 0 ? ['', ...names] : names;
}

/** Every other live node's log, applied up to its last whole record: before a read, so that it sees what every node acknowledged. */
export function applyOtherLogs(tables: AuditTables, root: string, own: string): number {
  let count = 0;
  for (const log of otherLogs(root, own)) if (log !== '') count += applyWholeRecords(tables, log, logDirOf(root, log));
  return count;
}

/**
 * The logs of processes that are gone, applied to the end and removed: every node log whose lock
 * can be taken, and the service's own log ('') when this process is a node of a shared store (no
 * service alone on the directory runs while nodes do). Directories a node died while making are
 * removed too. Run by one node at a time (a job); returns how many logs were adopted.
 */
export function adoptOrphanLogs(tables: AuditTables, root: string, own: string): number {
  if (!existsSync(root)) return 0;
  let adopted = 0;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !MAKING.test(entry.name)) continue;
    const lock = tryLockFile(join(root, entry.name, OWNER_LOCK));
    if (!lock) continue;
    rmSync(join(root, entry.name), { recursive: true, force: true });
    lock.release();
  }
  for (const log of otherLogs(root, own)) {
    const dir = logDirOf(root, log);
    if (log === '') {
      recover(tables, '', dir);
      adopted++;
      continue;
    }
    const lock = tryLockFile(join(dir, OWNER_LOCK));
    if (!lock) continue;
    try {
      recover(tables, log, dir);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      lock.release();
    }
    tables.forget(log);
    adopted++;
  }
  return adopted;
}

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { ExportPage } from '../../audit/repository.js';
import { verifyTrail, type VerifyReport } from '../../audit/verify.js';
import { AuditReads } from './audit-reads.js';

// The audit trail's reader thread: the long reads (export pages, and verification of the whole
// chain) on connections of its own, so that neither holds up the thread that answers calls. One
// verification in the trail of a fuzz run (1.2 GB) once froze every caller for 13-17 s.
//
// Two connections: verification reads the whole chain in one read transaction, so that the
// records it checks are one state of the trail however long it takes (retention may purge in the
// meantime); export pages must see every record appended up to their own request, so they read
// on the other. Verification yields between its pages, so export pages are answered meanwhile.
// Both connections only read: the thread is terminated when the store closes.

export type ReaderRequest =
  | { type: 'export'; id: number; accountId: string; startTime: number; endTime: number; afterSeq: number; limit: number; maxBytes: number }
  | { type: 'verify'; id: number };

export type ReaderReply =
  | { id: number; ok: true; page?: ExportPage; report?: VerifyReport }
  | { id: number; ok: false; message: string };

export interface ReaderData {
  file: string;
}

const port = parentPort!;
const { file } = workerData as ReaderData;

function open(): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // Exports and verification walk the records once, in order: a page cache bigger than 2 MiB
  // would hold pages that are not read again, and stay resident.
  db.pragma('cache_size = -2048');
  return db;
}

const exportDb = open();
const verifyDb = open();
const exports = new AuditReads(exportDb);
const chain = new AuditReads(verifyDb);

async function verify(): Promise<VerifyReport> {
  verifyDb.exec('BEGIN');
  try {
    return await verifyTrail({
      chainPage: async (afterSeq, limit) => chain.chainPage(afterSeq, limit),
      chainEnds: async () => chain.chainEnds(),
    });
  } finally {
    verifyDb.exec('COMMIT');
  }
}

port.on('message', (msg: ReaderRequest) => {
  const fail = (err: unknown) => port.postMessage({ id: msg.id, ok: false, message: (err as Error)?.message ?? String(err) } satisfies ReaderReply);
  try {
    switch (msg.type) {
      case 'export':
        port.postMessage({ id: msg.id, ok: true, page: exports.exportPage(msg.accountId, msg.startTime, msg.endTime, msg.afterSeq, msg.limit, msg.maxBytes) } satisfies ReaderReply);
        return;
      case 'verify':
        verify().then((report) => port.postMessage({ id: msg.id, ok: true, report } satisfies ReaderReply), fail);
        return;
    }
  } catch (err) {
    fail(err);
  }
});

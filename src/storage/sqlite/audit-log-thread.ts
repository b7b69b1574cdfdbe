import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { chainDigest, type ChainPoint } from '../../audit/chain.js';
import { durablePosition, formatLine, LogWriter } from './audit-log.js';

// The audit trail's log writer thread: gives each record its place in the chain (the next sequence
// number, and SHA-256 over the previous digest and the record), appends batches to the write-ahead
// log and waits for their fdatasync here, so the thread that answers calls keeps answering while
// the disk works. Whatever batches arrived during one fdatasync go out together in the next write
// and fdatasync: group commit across batches, with no round trip between threads in between. It
// keeps the durable position where the indexer thread reads it.

export interface LogThreadData {
  dir: string;
  segment: number;
  /** The last record of the chain when the thread starts. */
  head: ChainPoint;
  /** Where the durable position is kept for the indexer thread (see durablePosition). */
  durable: SharedArrayBuffer;
  /** Where answers go: the main thread reads this port without waiting for its event loop. */
  replies: MessagePort;
}

/** `records`: the canonical texts of a batch, in order. */
export type LogRequest = { id: number; type: 'append'; records: string[] } | { id: number; type: 'close' };
export type LogReply = { id: number; ok: true; segment: number; end: number } | { id: number; ok: false; message: string };

const port = parentPort!;
const data = workerData as LogThreadData;
let failure: string | undefined;
const log = new LogWriter(data.dir, data.segment, (err) => {
  failure ??= `the next audit log segment could not be prepared: ${(err as Error)?.message ?? err}`;
});
const position = durablePosition(data.durable);
let head = data.head;
let busy = false;
const waiting: LogRequest[] = [];

port.on('message', (msg: LogRequest) => {
  waiting.push(msg);
  if (!busy) void drain();
});

async function drain(): Promise<void> {
  busy = true;
  while (waiting.length > 0) {
    // Everything already queued on the port joins this write.
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) waiting.push(m.message as LogRequest);
    const batch: Array<Extract<LogRequest, { type: 'append' }>> = [];
    while (waiting.length > 0 && waiting[0]!.type === 'append') batch.push(waiting.shift() as Extract<LogRequest, { type: 'append' }>);
    if (batch.length > 0) await write(batch);
    if (waiting[0]?.type === 'close') {
      const close = waiting.shift()!;
      log.close();
      data.replies.postMessage({ id: close.id, ok: true, segment: log.segment, end: 0 } satisfies LogReply);
    }
  }
  busy = false;
}

async function write(batch: Array<Extract<LogRequest, { type: 'append' }>>): Promise<void> {
  const ends: number[] = [];
  let text = '';
  let at = head;
  for (const m of batch) {
    for (const record of m.records) {
      const seq = at.seq + 1;
      const digest = chainDigest(at.digest, record);
      text += formatLine(seq, digest, record);
      at = { seq, digest };
    }
    ends.push(Buffer.byteLength(text, 'utf8'));
  }
  const bytes = Buffer.from(text, 'utf8');
  try {
    if (failure) throw new Error(failure);
    const written = await log.append(bytes);
    head = at;
    position.store(written);
    const start = written.end - bytes.length;
    batch.forEach((m, i) => data.replies.postMessage({ id: m.id, ok: true, segment: written.segment, end: start + ends[i]! } satisfies LogReply));
  } catch (err) {
    // Nothing after a failed write may be written: its records would chain on records not stored.
    failure ??= (err as Error)?.message ?? String(err);
    for (const m of batch) data.replies.postMessage({ id: m.id, ok: false, message: failure } satisfies LogReply);
  }
}

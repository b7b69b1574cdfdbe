import { readFileSync } from 'node:fs';
import { get } from 'node:http';

// What a server holds after its load: the resident set from /proc (any process, the same measure
// for every server) and, for Keywarden, V8's heap and the memory outside it (Buffers) from its own
// GET /metrics, read between scenarios so that reading it costs no measured request.

export interface Memory {
  rssBytes: number | undefined;
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  /** Memory V8 accounts to the heap's objects but keeps outside it: Buffers, mostly. */
  externalBytes?: number;
}

/** The resident set of a process; undefined where /proc is absent or the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** RSS of `pid`, with the heap figures of the Keywarden that answers at `url`. */
export async function keywardenMemory(pid: number, url: string): Promise<Memory> {
  const text = await fetchText(new URL('/metrics', url));
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const memory: Memory = { rssBytes: rssBytes(pid) };
  const used = gauge('nodejs_heap_size_used_bytes');
  const total = gauge('nodejs_heap_size_total_bytes');
  const external = gauge('nodejs_external_memory_bytes');
  if (used !== undefined) memory.heapUsedBytes = used;
  if (total !== undefined) memory.heapTotalBytes = total;
  if (external !== undefined) memory.externalBytes = external;
  return memory;
}

export function formatMemory(m: Memory): string {
  const mb = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1024 / 1024).toFixed(0)} MB`);
  let out = `RSS ${mb(m.rssBytes)}`;
  if (m.heapUsedBytes !== undefined) out += `, V8 heap ${mb(m.heapUsedBytes)} used of ${mb(m.heapTotalBytes)}`;
  if (m.externalBytes !== undefined) out += `, external ${mb(m.externalBytes)}`;
  return out;
}

function fetchText(url: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`GET ${url.pathname} answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: no answer within 10 s`)));
    req.on('error', reject);
  });
}

import { readdirSync, readFileSync } from 'node:fs';

// CPU time used, sampled around each measured phase. On a 2-core machine shared by the server and
// the load generator, these show which of the two was the limit: a server well below 100% of a
// core means the figures say as much about the client as about the server.

/** Linux reports /proc times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) another process has used so far; undefined where /proc is absent. */
export function childCpuMs(pid: number): number | undefined {
  const stat = readStat(`/proc/${pid}`);
  return stat === undefined ? undefined : ownCpuOf(stat.fields);
}

/** utime and stime (fields 14 and 15 overall, i.e. 11 and 12 after the name), in milliseconds. */
const ownCpuOf = (fields: string[]) => ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;

/** CPU milliseconds of a process's threads so far: its main thread's, and the others' summed by name. */
export interface ThreadsCpu {
  main: number;
  /** By thread name: the audit log's indexer names itself (INDEXER_THREAD_NAME); V8's and libuv's helpers are all `node`. */
  others: Map<string, number>;
}

/** Each thread's CPU from /proc/<pid>/task; undefined where /proc is absent or the process is gone. */
export function threadsCpuMs(pid: number): ThreadsCpu | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const cpu: ThreadsCpu = { main: 0, others: new Map() };
  for (const tid of tids) {
    const stat = readStat(`/proc/${pid}/task/${tid}`);
    if (stat === undefined) continue; // The thread ended between the listing and the read.
    const ms = ownCpuOf(stat.fields);
    if (tid === String(pid)) cpu.main = ms;
    else cpu.others.set(stat.name, (cpu.others.get(stat.name) ?? 0) + ms);
  }
  return cpu;
}

/** CPU milliseconds this process (the load generator) has used so far. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU milliseconds a process and all its descendants have used so far: its own time, the time of
 * children it has already waited for (cutime and cstime), and its live children's, recursively.
 * For PostgreSQL's postmaster this is the whole server: every backend, the WAL writer, the
 * checkpointer, and the autovacuum workers that came and went. A child that exits between two
 * reads may be counted twice or not at all; backends live as long as the pools' connections, so
 * that is rare and small. Undefined if `pid` is gone or /proc is absent.
 */
export function treeCpuMs(pid: number, children = childrenByParent()): number | undefined {
  const own = readStat(`/proc/${pid}`)?.fields;
  if (own === undefined) return undefined;
  let ms = ((Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * 1000) / TICKS_PER_SECOND;
  for (const child of children.get(pid) ?? []) ms += treeCpuMs(child, children) ?? 0;
  return ms;
}

/**
 * The `stat` of a process or thread (`dir` is /proc/<pid> or /proc/<pid>/task/<tid>): its name and
 * the fields after it, or undefined if it is gone. The name (field 2) may contain spaces and
 * parentheses; fields are counted after its last ')'.
 */
function readStat(dir: string): { name: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    const end = stat.lastIndexOf(')');
    return { name: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** Every live process's children, from the parent pid in its stat (field 4, the second after the name). */
function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const fields = readStat(`/proc/${name}`)?.fields;
    if (fields === undefined) continue;
    const parent = Number(fields[1]);
    const list = map.get(parent);
    if (list) list.push(Number(name));
    else map.set(parent, [Number(name)]);
  }
  return map;
}

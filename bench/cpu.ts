import { readFileSync } from 'node:fs';

// CPU time used, sampled around each measured phase. On a 2-core machine shared by the server and
// the load generator, these show which of the two was the limit: a server well below 100% of a
// core means the figures say as much about the client as about the server.

/** Linux reports /proc times in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) another process has used so far; undefined where /proc is absent. */
export function childCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields are counted after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 overall, i.e. 11 and 12 after the name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU milliseconds this process (the load generator) has used so far. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

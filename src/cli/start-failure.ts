/**
 * The one line `keywarden serve` prints when it cannot start: what went wrong and, where the cause
 * is the operator's to fix, what to do.
 */
export function startFailureLine(err: unknown, host: string, port: number): string {
  const e = err as NodeJS.ErrnoException | undefined;
  let text: string;
  if (e?.syscall === 'listen' && e.code === 'EADDRINUSE') {
    text = `cannot listen on ${host}:${port}: the port is in use by another process; stop it or choose another --port`;
  } else if (e?.syscall === 'listen' && e.code === 'EACCES') {
    text = `cannot listen on ${host}:${port}: not permitted (ports below 1024 need privileges); choose another --port`;
  } else if (e?.syscall === 'listen' && e.code === 'EADDRNOTAVAIL') {
    text = `cannot listen on ${host}:${port}: ${host} is not an address of this machine; choose another --host`;
  } else {
    text = e instanceof Error ? e.message : String(err);
  }
  return `keywarden: ${text.replace(/\s*\n\s*/g, ' ').trim()}`;
}

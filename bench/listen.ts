import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Puts one of the bench's own servers (the ceiling, the floor) on a free loopback port, says where
 * on standard output (`NAME listening on http://127.0.0.1:PORT`, what `startChild` waits for), and
 * stops it on SIGTERM. SIGTERM would end the process anyway; closing first lets in-flight answers
 * finish cleanly.
 */
export function listenOnLoopback(server: Server, name: string): void {
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${name} listening on http://127.0.0.1:${port}\n`);
  });
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

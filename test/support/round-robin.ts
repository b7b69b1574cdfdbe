// A load balancer for tests that run Keywarden as several nodes on one store: each request goes to
// the next node in turn (per request, not per connection, so that a client keeping its connection
// alive still alternates). A node that refuses the connection is skipped for that request, as a
// balancer's health check would take it out. The Host header is passed through unchanged: it is
// part of what the client signed. Each forwarded request has a connection of its own: a kept-alive
// one could be closed by the node (idle) just as a request is sent on it, and a request is not
// always safe to send twice.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface RoundRobin {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Requests are small API calls: the body is read whole, so that it can go to another node. */
const MAX_BODY = 16 << 20;

export async function roundRobin(ports: readonly number[], port = 0): Promise<RoundRobin> {
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => forward(req, res, Buffer.concat(chunks), ports.length));
  });
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, triesLeft: number) => {
    const target = ports[next++ % ports.length]!;
    const headers = { ...req.headers, connection: 'close' };
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      // The connection to the node closes; the client's own may stay open.
      const raw = answer.rawHeaders;
      const kept: string[] = [];
      for (let i = 0; i < raw.length; i += 2) if (!/^(connection|keep-alive)$/i.test(raw[i]!)) kept.push(raw[i]!, raw[i + 1]!);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, kept);
      answer.pipe(res);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && triesLeft > 1) return forward(req, res, body, triesLeft - 1);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`no node answered: ${err.message}`);
    });
    upstream.end(body);
  };
  await new Promise<void>((ready) => server.listen(port, '127.0.0.1', ready));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// Run as a process of its own (`node round-robin.js PORT…`): a test that runs a client with
// spawnSync blocks its own event loop, which would stop a balancer living in it. It prints the
// port it listens on, and ends with its parent.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ports = process.argv.slice(2).map(Number);
  const balancer = await roundRobin(ports);
  process.stdout.write(`${balancer.port}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

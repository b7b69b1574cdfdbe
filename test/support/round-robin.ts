// A load balancer for tests that run Keywarden as several nodes on one store: each request goes to
// the next node in turn (per request, not per connection, so that a client keeping its connection
// alive still alternates). A node that refuses the connection is skipped for that request, as a
// balancer's health check would take it out. The Host header is passed through unchanged: it is
// part of what the client signed.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobin {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Requests are small API calls: the body is read whole, so that it can go to another node. */
const MAX_BODY = 16 << 20;

export async function roundRobin(nodePorts: () => number[], port = 0): Promise<RoundRobin> {
  const agent = new Agent({ keepAlive: true });
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => forward(req, res, Buffer.concat(chunks), nodePorts().length));
  });
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, triesLeft: number) => {
    const ports = nodePorts();
    const target = ports[next++ % ports.length]!;
    const upstream = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
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
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

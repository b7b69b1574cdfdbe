import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The ceiling: the least a Node HTTP server can do for one of our requests. It reads the whole
// request body (as Keywarden must) and answers with a fixed JSON body of the size Keywarden's
// Encrypt answer has, so the bytes on the wire match and only Keywarden's own work differs.
//
// Run as its own process (node dist/bench/bare-server.js <response-bytes>) so it gets a core's
// worth of scheduling the way the Keywarden server does, never the load generator's event loop.

const size = Number(process.argv[2]);
if (!Number.isInteger(size) || size < 16 || size > 1024 * 1024) {
  process.stderr.write('usage: bare-server.js <response-bytes, 16..1048576>\n');
  process.exit(2);
}

const body = fixedJson(size);
const headers = { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': String(body.length) };

// Same keep-alive timeout as Keywarden, so connection reuse cannot differ between the two.
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (req.method === 'POST') res.writeHead(200, headers).end(body);
    else res.writeHead(405).end();
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare server listening on http://127.0.0.1:${port}\n`);
});

// SIGTERM would end the process anyway; closing first lets in-flight answers finish cleanly.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});

/** `{"Pad":"xxx…"}` padded to exactly `bytes` bytes. */
function fixedJson(bytes: number): Buffer {
  const frame = '{"Pad":""}';
  return Buffer.from(`{"Pad":"${'x'.repeat(bytes - frame.length)}"}`);
}

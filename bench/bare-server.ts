import { createServer } from 'node:http';
import { listenOnLoopback } from './listen.js';

// The ceiling: the least a Node HTTP server can do for one of our requests. It reads the whole
// request body (as Keywarden must) and answers with a fixed JSON body of the size Keywarden's
// answer to the same operation has, so the bytes on the wire match and only Keywarden's own work differs.
//
// Run as its own process (node dist/bench/bare-server.js <bytes> [Operation=bytes ...]) so it gets
// a core's worth of scheduling the way the Keywarden server does, never the load generator's event loop.

const usage = () => {
  process.stderr.write('usage: bare-server.js <response-bytes> [Operation=response-bytes ...], each 16..1048576\n');
  process.exit(2);
};
const size = (text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 16 || n > 1024 * 1024) usage();
  return n;
};

const fallback = answer(size(process.argv[2]));
const byOperation = new Map<string, ReturnType<typeof answer>>();
for (const arg of process.argv.slice(3)) {
  const [op, bytes] = arg.split('=');
  if (!op || bytes === undefined) usage();
  byOperation.set(op!, answer(size(bytes)));
}

// Same keep-alive timeout as Keywarden, so connection reuse cannot differ between the two.
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' ? target.slice(target.lastIndexOf('.') + 1) : '';
    const a = byOperation.get(op) ?? fallback;
    res.writeHead(200, a.headers).end(a.body);
  });
});

listenOnLoopback(server, 'bare server');

/** `{"Pad":"xxx…"}` padded to exactly `bytes` bytes, with its headers. */
function answer(bytes: number) {
  const frame = '{"Pad":""}';
  const body = Buffer.from(`{"Pad":"${'x'.repeat(bytes - frame.length)}"}`);
  return { body, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': String(body.length) } };
}

import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConsoleFiles } from './files.js';
import { withConsole } from './route.js';

// The console's routing in front of a stand-in for the API: what it serves, what it refuses, and
// that everything else reaches the API untouched.

let port: number;
const apiSaw: string[] = [];
const server = createServer(
  withConsole((req: IncomingMessage, res: ServerResponse) => {
    apiSaw.push(`${req.method} ${req.url}`);
    res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' }).end('{"__type":"UnknownOperationException"}');
  }),
);

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page and its modules are served with their types and the security headers', async () => {
  const index = await get('/console/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(index.body, /<script type="module" src="app.js"><\/script>/);
  assert.match(String(index.headers['content-security-policy']), /^default-src 'none'; script-src 'self';/);
  assert.equal(index.headers['x-frame-options'], 'DENY');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  const module = await get('/console/pages/keys.js?v=1');
  assert.equal(module.status, 200);
  assert.equal(module.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal((await get('/console/console.css')).headers['content-type'], 'text/css; charset=utf-8');
});

test('/console redirects to /console/, so the page\'s relative module paths resolve', async () => {
  const r = await get('/console?x=1');
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, '/console/');
});

test('only the console\'s own files are served: no path reaches elsewhere', async () => {
  for (const path of ['/console/nothing.js', '/console/../package.json', '/console/%2e%2e/package.json', '/console/..%2f..%2fpackage.json', '/console/files.ts', '/console/sigv4.test.ts', '/console//etc/passwd']) {
    assert.equal((await get(path)).status, 404, path);
  }
});

test('HEAD answers without a body; a known ETag gets 304', async () => {
  const head = await get('/console/app.js', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const again = await get('/console/app.js', 'GET', { 'If-None-Match': String(head.headers.etag) });
  assert.equal(again.status, 304);
});

test('API calls, whatever their path, and other paths reach the API unchanged', async () => {
  apiSaw.length = 0;
  assert.equal((await get('/', 'POST')).status, 400);
  assert.equal((await get('/console/', 'POST')).status, 400);
  assert.equal((await get('/consoles', 'GET')).status, 400);
  assert.equal((await get('/health', 'GET')).status, 400);
  assert.deepEqual(apiSaw, ['POST /', 'POST /console/', 'GET /consoles', 'GET /health']);
  const put = await get('/console/app.js', 'PUT');
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, HEAD');
});

test('the directory holds the page, every module it imports, and nothing to test', () => {
  const files = loadConsoleFiles();
  assert.ok(files.has('/index.html') && files.has('/app.js') && files.has('/console.css'));
  for (const [path, file] of files) {
    assert.doesNotMatch(path, /\.test\./);
    if (!path.endsWith('.js')) continue;
    for (const m of file.body.toString('utf8').matchAll(/^import [^']*'(\.[^']+)';$/gm)) {
      const target = new URL(m[1]!, `http://x${path}`).pathname;
      assert.ok(files.has(target), `${path} imports ${m[1]}, which the console does not serve`);
    }
  }
});

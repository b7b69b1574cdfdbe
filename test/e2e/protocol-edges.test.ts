// The edges of the HTTP endpoint that no SDK reaches on purpose: headers beyond what the parser
// takes, a body far beyond the limit, bytes that are not HTTP at all, and a stop signal while the
// service is still starting. Each gets AWS's JSON error envelope, or a clean shutdown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, watch } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLOUDTRAIL, exchange, JSON_TYPE, signedCall, type Reply } from '../support/signed-request.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MB = 1024 * 1024;

let server: TestServer;

before(async () => {
  // What a node's own HTTP parser and limits do, also under test:postgres's two nodes (not the test balancer's).
  server = await startServer({ nodes: 1 });
});

after(async () => {
  await server?.dispose();
});

async function open(): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** An AWS error envelope: JSON with `__type` and `message`, the status, the request id and error type headers. */
function assertAwsError(r: Reply, status: number, type: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers['content-type'], JSON_TYPE);
  assert.match(String(r.headers['x-amzn-requestid']), UUID);
  assert.equal(r.headers['x-amzn-errortype'], `${type}:`);
  assert.equal(r.json?.__type, type, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['__type', 'message']);
}

async function stillServing(): Promise<void> {
  const r = await signedCall(server.url, 'TrentService.ListKeys', {});
  assert.equal(r.status, 200, r.text);
}

describe('requests the HTTP parser refuses', () => {
  test('headers over 16 KB are RequestHeaderSectionTooLarge as JSON (431), not an empty answer or a reset', async () => {
    const socket = await open();
    try {
      const headers: Array<[string, string]> = [
        ['host', `127.0.0.1:${server.port}`],
        ['content-type', JSON_TYPE],
        ['x-amz-target', 'TrentService.ListKeys'],
        ['x-padding', 'a'.repeat(20 * 1024)],
        ['content-length', '2'],
      ];
      const r = await exchange(socket, 'POST / HTTP/1.1', headers, '{}');
      assertAwsError(r, 431, 'RequestHeaderSectionTooLarge');
      assert.equal(r.json.message, 'Your request header section exceeds the maximum allowed size.');
      assert.equal(r.headers.connection, 'close');
    } finally {
      socket.destroy();
    }
    await stillServing();
  });

  test('bytes that are not HTTP are a 400 SerializationException as JSON', async () => {
    const socket = await open();
    try {
      const r = await exchange(socket, 'HELLO THERE', [['x', 'y']], '');
      assertAwsError(r, 400, 'SerializationException');
    } finally {
      socket.destroy();
    }
    await stillServing();
  });
});

interface Poured {
  reply: Reply;
  /** Body bytes handed to the connection before the answer came or the server closed it. */
  sent: number;
}

/**
 * Sends a request whose body is `total` bytes (declared, or chunked when `chunked`), writing as
 * fast as the connection takes it, and stops as soon as the answer is in or the server closes.
 */
async function pour(total: number, chunked: boolean): Promise<Poured> {
  const socket = await open();
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  let stop = false;
  const answer = exchange(
    socket,
    'POST / HTTP/1.1',
    [
      ['host', `127.0.0.1:${server.port}`],
      ['content-type', JSON_TYPE],
      ['x-amz-target', 'TrentService.Encrypt'],
      chunked ? ['transfer-encoding', 'chunked'] : ['content-length', String(total)],
    ],
    '',
  ).finally(() => (stop = true));
  answer.catch(() => {});
  socket.once('close', () => (stop = true));
  try {
    while (!stop && sent < total) {
      const ok = chunked ? socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write('\r\n') : socket.write(chunk);
      sent += chunk.length;
      if (!ok) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), answer.catch(() => {}), new Promise((resolve) => socket.once('close', resolve))]);
    }
    return { reply: await answer, sent };
  } finally {
    socket.destroy();
  }
}

describe('a body far beyond the limit', () => {
  test('a declared 100 MB body is refused with 413 and the connection closed, without reading it', async () => {
    const started = Date.now();
    const { reply, sent } = await pour(100 * MB, false);
    assertAwsError(reply, 413, 'RequestEntityTooLargeException');
    assert.equal(reply.headers.connection, 'close');
    assert.ok(sent < 32 * MB, `the client got to send ${(sent / MB).toFixed(1)} MB`);
    assert.ok(Date.now() - started < 10_000);
    await stillServing();
  });

  test('a chunked body is read up to the limit and no further', async () => {
    const { reply, sent } = await pour(100 * MB, true);
    assertAwsError(reply, 413, 'RequestEntityTooLargeException');
    assert.equal(reply.headers.connection, 'close');
    assert.ok(sent < 32 * MB, `the client got to send ${(sent / MB).toFixed(1)} MB`);
    await stillServing();
  });

  test('a body within the limit keeps the connection for the next call', async () => {
    const socket = await open();
    try {
      const body = JSON.stringify({ Limit: 1 });
      const first = await exchange(socket, 'POST / HTTP/1.1', [['host', `127.0.0.1:${server.port}`], ['x-amz-target', 'NoSuchService.Nope'], ['content-length', String(body.length)]], body);
      assertAwsError(first, 400, 'UnknownOperationException');
      assert.notEqual(first.headers.connection, 'close');
      const second = await exchange(socket, 'POST / HTTP/1.1', [['host', `127.0.0.1:${server.port}`], ['x-amz-target', 'NoSuchService.Nope'], ['content-length', '0']], '');
      assertAwsError(second, 400, 'UnknownOperationException');
    } finally {
      socket.destroy();
    }
  });
});

describe('a stop signal during start-up', () => {
  test('SIGTERM while the data directory is being opened lets start-up finish, then shuts down cleanly (exit 0)', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keywarden-early-stop-'));
    try {
      // The database appearing means start-up is under way: the signal lands in the middle of it.
      let watcher: ReturnType<typeof watch> | undefined;
      const opening = new Promise<void>((resolve) => {
        watcher = watch(dataDir, (_event, name) => {
          if (name?.startsWith('keywarden.db')) resolve();
        });
      });
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, KEYWARDEN_ROOT_KEY: '' },
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      await Promise.race([opening, exited]);
      watcher?.close();
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
      assert.match(output, /received SIGTERM/);

      // What it opened was closed properly: the next start finds a sound directory and trail.
      const again = await startServer({ dataDir });
      try {
        const events = await signedCall(again.url, `${CLOUDTRAIL}.LookupEvents`, {}, { service: 'cloudtrail' });
        assert.equal(events.status, 200, events.text);
        const verify = await signedCall(again.url, 'KeywardenAdmin.VerifyAuditTrail', {}, { service: 'keywarden' });
        assert.equal(verify.json?.Valid, true, verify.text);
      } finally {
        await again.dispose();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

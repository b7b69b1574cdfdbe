// What a caller can do with connections alone: hold hundreds of them open, leave them idle or
// silent, or use up the server's file descriptors. The server must let idle connections go, keep
// descriptors for itself, and when descriptors did run out, its audit trail must come back by
// itself once they are free again, and it must still shut down cleanly.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { callOn, CLOUDTRAIL, signedCall } from '../support/signed-request.js';
import { startServer, type TestServer } from '../support/server.js';

const FILE_LIMIT = 256;
/** More connections than the lowered file limit allows, with room for the server's own descriptors. */
const FLOOD = 320;

interface Flood {
  sockets: Socket[];
  /** Settles once the server has closed at least one of them. */
  refused: Promise<void>;
  end(): Promise<void>;
}

/** Opens `count` connections that send nothing and waits until each is established. */
async function flood(server: TestServer, count: number): Promise<Flood> {
  const sockets: Socket[] = [];
  let ending = false;
  let onRefused!: () => void;
  const refused = new Promise<void>((resolve) => (onRefused = resolve));
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1');
        sockets[i] = s;
        s.once('connect', () => resolve());
        s.once('error', (err) => (ending ? undefined : reject(err)));
        s.on('error', () => {});
        s.once('close', () => {
          if (!ending) onRefused();
        });
        s.resume();
      }),
    ),
  );
  return {
    sockets,
    refused,
    async end() {
      if (ending) return;
      ending = true;
      await Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((done) => s.once('close', done).destroy()))));
    },
  };
}

/** Rejects after `ms` so that a wait on the server is bounded; the test fails with `what`. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))),
  ]);
}

/** A connection the server has accepted (it answered a call on it), for calls once no other is accepted. */
async function probe(server: TestServer): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const r = await callOn(socket, server.url, 'TrentService.ListKeys', {});
  assert.equal(r.status, 200, r.text);
  return socket;
}

/** Closes the test's connections (a server waits for open connections before it exits). */
async function release(held: Flood | undefined, socket: Socket | undefined): Promise<void> {
  socket?.destroy();
  await held?.end();
}

const LOOKUP = `${CLOUDTRAIL}.LookupEvents`;
const lookup = (server: TestServer) => signedCall(server.url, LOOKUP, { MaxResults: 50 }, { service: 'cloudtrail' });

describe('file descriptors', () => {
  test('after the descriptors ran out and came back, LookupEvents and verify work again and SIGTERM exits 0', { timeout: 90_000 }, async () => {
    // The limit is set above what the descriptors allow, so connections do use them all up.
    const server = await startServer({ fileLimit: FILE_LIMIT, args: ['--max-connections', '1000'] });
    let held: Flood | undefined;
    let socket: Socket | undefined;
    try {
      assert.match(server.output(), /--max-connections 1000 is more than the open-file limit \(256\) leaves/);
      const created = await signedCall(server.url, 'TrentService.CreateKey', { Description: 'before the flood' });
      assert.equal(created.status, 200, created.text);

      // Accepted while descriptors were free: over it, once they are gone, a call whose record
      // goes to the audit log, then a read that makes the trail apply the log, which needs one.
      socket = await probe(server);
      held = await flood(server, FLOOD);
      await within(10_000, 'the server refusing a connection once out of descriptors', held.refused);
      const during = await within(15_000, 'CreateKey while out of descriptors', callOn(socket, server.url, 'TrentService.CreateKey', { Description: 'during the flood' }));
      assert.equal(during.status, 200, during.text);
      const stalled = await within(15_000, 'an answer while out of descriptors', callOn(socket, server.url, LOOKUP, {}, { service: 'cloudtrail' }));
      assert.ok(stalled.status === 200 || stalled.status === 500, `${stalled.status} ${stalled.text}`);
      await release(held, socket);

      const events = await lookup(server);
      assert.equal(events.status, 200, `LookupEvents once descriptors are back: ${events.text}`);
      const found = (events.json.Events as Array<{ EventName: string; CloudTrailEvent: string }>).map(
        (e) => `${e.EventName}:${JSON.parse(e.CloudTrailEvent).requestParameters?.description}`,
      );
      assert.deepEqual(found.filter((f) => f.startsWith('CreateKey')).sort(), ['CreateKey:before the flood', 'CreateKey:during the flood']);
      const verify = await signedCall(server.url, 'KeywardenAdmin.VerifyAuditTrail', {}, { service: 'keywarden' });
      assert.equal(verify.status, 200, verify.text);
      assert.equal(verify.json.Valid, true, verify.text);

      assert.equal(await server.stop(), 0, `SIGTERM after running out of descriptors exits 0:\n${server.output()}`);
    } finally {
      await release(held, socket);
      await server.dispose();
    }
  });

  test('by default the server holds no more connections than its descriptors allow', { timeout: 90_000 }, async () => {
    const server = await startServer({ fileLimit: FILE_LIMIT });
    let held: Flood | undefined;
    let socket: Socket | undefined;
    try {
      socket = await probe(server);
      held = await flood(server, FLOOD);
      await within(10_000, 'the server refusing connections beyond its limit', held.refused);
      const created = await within(15_000, 'CreateKey at the connection limit', callOn(socket, server.url, 'TrentService.CreateKey', {}));
      assert.equal(created.status, 200, created.text);
      const events = await within(15_000, 'an answer while the connection limit is reached', callOn(socket, server.url, LOOKUP, {}, { service: 'cloudtrail' }));
      assert.equal(events.status, 200, `a read of the trail on a held connection: ${events.status} ${events.text}`);
      await release(held, socket);
      assert.doesNotMatch(server.output(), /EMFILE|too many open files/i);
      assert.equal(await server.stop(), 0);
    } finally {
      await release(held, socket);
      await server.dispose();
    }
  });
});

describe('idle connections', () => {
  test('an idle keep-alive connection is closed after 5 s and a silent one after 10 s', { timeout: 60_000 }, async () => {
    // The node's own sockets, also under test:postgres's two nodes (not the test balancer's).
    const server = await startServer({ nodes: 1 });
    const silent = connect(server.port, '127.0.0.1');
    const idle = connect(server.port, '127.0.0.1');
    try {
      const closedAfter = (s: Socket, from: number) =>
        new Promise<number>((resolve) => {
          s.on('error', () => {});
          s.once('close', () => resolve(Date.now() - from));
        });
      const silentClosed = closedAfter(silent, Date.now());
      silent.resume();

      await new Promise((resolve) => idle.once('connect', resolve));
      const answer = await within(5_000, 'the answer to ListKeys', callOn(idle, server.url, 'TrentService.ListKeys', {}));
      assert.equal(answer.status, 200, answer.text);
      const idleMs = await within(12_000, 'closing the idle keep-alive connection', closedAfter(idle, Date.now()));
      assert.ok(idleMs >= 4_000 && idleMs < 8_000, `idle connection closed after ${idleMs} ms`);
      const silentMs = await within(16_000, 'closing the silent connection', silentClosed);
      assert.ok(silentMs >= 9_000 && silentMs < 13_000, `silent connection closed after ${silentMs} ms`);
    } finally {
      // A server that is told to stop waits for its open connections.
      silent.destroy();
      idle.destroy();
      await server.dispose();
    }
  });
});

import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { HealthSources } from './health.js';
import { ServiceMetrics } from './metrics.js';
import { isLoopback, operabilityRoutes, type MetricsAccess } from './routes.js';

// The access rule of /metrics decides on the caller's address, and the tests may only use
// loopback: the requests here are objects with the address a remote caller would have.

const health: HealthSources = {
  version: '0.0.0',
  startedAt: 0,
  store: { kind: 'sqlite', location: 'memory' },
  engine: 'software',
  storeProblem: () => undefined,
  audit: () => ({ state: 'on', backlogBytes: 0 }),
};

const metrics = new ServiceMetrics({
  version: '0.0.0',
  keysByState: async () => ({ Enabled: 2 }),
  keyStoresByState: async () => ({ CONNECTED: 1 }),
  auditBacklogBytes: () => 0,
  failingSources: () => [],
});

async function call(access: MetricsAccess, method: string, url: string, remoteAddress: string) {
  const req = { method, url, socket: { remoteAddress }, resume() {} } as unknown as IncomingMessage;
  let status = 0;
  let body = '';
  let answered!: () => void;
  const ended = new Promise<void>((resolve) => (answered = resolve));
  const res = {
    writeHead(s: number) {
      status = s;
      return res;
    },
    end(b?: string) {
      body = b ?? '';
      answered();
    },
  };
  const taken = operabilityRoutes({ health, metrics, metricsAccess: access })(req, res as unknown as ServerResponse);
  if (taken) await ended;
  return { taken, status, body };
}

test('/metrics: loopback callers by default, anyone with any, nobody with off (the API answers then)', async () => {
  assert.equal((await call('loopback', 'GET', '/metrics', '127.0.0.1')).status, 200);
  assert.equal((await call('loopback', 'GET', '/metrics', '::ffff:127.0.0.1')).status, 200);
  const remote = await call('loopback', 'GET', '/metrics', '192.0.2.10');
  assert.equal(remote.status, 403);
  assert.match(remote.body, /--metrics any/);
  assert.doesNotMatch(remote.body, /keywarden_/);
  const open = await call('any', 'GET', '/metrics', '192.0.2.10');
  assert.equal(open.status, 200);
  assert.match(open.body, /^keywarden_keys\{state="Enabled"\} 2$/m);
  assert.equal((await call('off', 'GET', '/metrics', '127.0.0.1')).taken, false);
});

test('/health and /ready answer anyone; other paths and methods are the API\u2019s', async () => {
  assert.equal((await call('loopback', 'GET', '/health', '192.0.2.10')).status, 200);
  assert.equal((await call('loopback', 'GET', '/ready?x=1', '192.0.2.10')).status, 200);
  assert.equal((await call('loopback', 'POST', '/health', '127.0.0.1')).taken, false);
  assert.equal((await call('loopback', 'GET', '/', '127.0.0.1')).taken, false);
  assert.equal((await call('loopback', 'GET', '/health/', '127.0.0.1')).taken, false);
});

test('loopback addresses', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(a), true, a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '::2', '', undefined]) assert.equal(isLoopback(a), false, String(a));
});

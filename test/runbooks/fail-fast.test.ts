// Runbook scenario: a connection attempt refused at once (CloudHsmClusterNotActiveException while
// the cluster migrates to another HSM type), which leaves the store DISCONNECTED. It needs the
// server the guide restarts with slow cluster changes, so it has a server of its own, on a manual
// clock: the 8 s the guide's reader waits are an advance of the clock, not 8 s of real time
// (quickstart moves the clock itself while it waits), and the migration cannot end before the
// attempt that must find it under way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runbook } from '../support/runbook.js';
import { keyAsTheGuideMakesIt } from '../support/runbook-setup.js';
import type { TestServer } from '../support/server.js';
import { keywardenCall } from '../support/sdk-setup.js';

const book = runbook(['connect-fail-fast']);
let server: TestServer;

before(async () => {
  server = await book.server('connect-fail-fast/serve', ['--clock', 'manual']);
});

after(async () => {
  await server?.dispose();
  book.close();
});

test('a cluster that is not ACTIVE: the call fails, the store stays DISCONNECTED; connect once it is ACTIVE', async () => {
  const lane = book.lane('fail-fast', server.url);
  await lane.run('setup/env');
  // This section's own cluster and store stand in for the setup's, so the setup's key goes in them.
  await lane.run('connect-fail-fast/cluster');
  lane.keep('cluster-id', 'key-store-id');
  await keyAsTheGuideMakesIt(lane, server.url);
  await lane.run('connect-fail-fast/symptom');
  // The reader waits for the migration to end: here, the clock moves past the guide's delay.
  await keywardenCall(server.url, 'KeywardenAdmin.AdvanceClock', { Duration: '8s' });
  await lane.run('connect-fail-fast/repair');
});

test('every block of this file\u2019s sections ran', () => {
  assert.deepEqual(book.notRun(), []);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profilesByThread, shortUrl, summarizeProfile, type CpuProfile } from './profile-summary.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9, columnNumber: 0 });

// root -> handle (server.js) -> verify (sigv4.js) -> hash (node); root -> (idle)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('handle', 'file:///x/dist/src/protocol/server.js'), children: [3] },
    { id: 3, callFrame: frame('verify', 'file:///x/dist/src/protocol/sigv4.js'), children: [4] },
    { id: 4, callFrame: frame('hash', 'node:internal/crypto/hash') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  startTime: 1_000_000,
  endTime: 1_010_000,
  // Samples 1 ms apart: handle, verify, hash, hash, idle, idle, handle, hash, idle, idle.
  samples: [2, 3, 4, 4, 5, 5, 2, 4, 5, 5],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

describe('the profile summary', () => {
  it('gives self time by frame and total time of our own functions, as shares of the busy time', () => {
    const s = summarizeProfile(profile);
    assert.equal(s.wallMs, 10);
    // The last sample has no next one to measure its time by.
    assert.equal(s.busyMs, 10 - 3);
    const self = new Map(s.selfByFrame.map((f) => [f.frame, f.ms]));
    assert.equal(self.get('hash node:internal/crypto/hash:10'), 3);
    assert.equal(self.get('handle src/protocol/server.js:10'), 2);
    assert.equal(self.has('(idle)'), false);
    const total = new Map(s.totalByOwnFrame.map((f) => [f.frame, f.ms]));
    assert.equal(total.get('handle src/protocol/server.js:10'), 6);
    assert.equal(total.get('verify src/protocol/sigv4.js:10'), 4);
    assert.equal(total.has('hash node:internal/crypto/hash:10'), false);
  });

  it('keeps to the window it is given', () => {
    // The first four samples only (1,000,000 to 1,004,000 µs): handle, verify, hash, hash.
    const s = summarizeProfile(profile, 30, { fromUs: 999_000, toUs: 1_003_500 });
    assert.equal(s.wallMs, 3.5);
    const self = new Map(s.selfByFrame.map((f) => [f.frame, f.ms]));
    assert.equal(self.get('hash node:internal/crypto/hash:10'), 2);
    assert.equal(self.get('handle src/protocol/server.js:10'), 1);
  });

  it("orders a run's profiles by thread, the main one first, and passes over other files", () => {
    const names = ['CPU.20261204.045557.24068.1.002.cpuprofile', 'notes.txt', 'CPU.20261204.045556.24068.0.001.cpuprofile', 'CPU.20261204.045558.24068.12.003.cpuprofile'];
    assert.deepEqual(profilesByThread(names), [
      { file: 'CPU.20261204.045556.24068.0.001.cpuprofile', thread: 0 },
      { file: 'CPU.20261204.045557.24068.1.002.cpuprofile', thread: 1 },
      { file: 'CPU.20261204.045558.24068.12.003.cpuprofile', thread: 12 },
    ]);
    assert.deepEqual(profilesByThread(['notes.txt']), []);
  });

  it('shortens paths to what follows dist/ or node_modules/', () => {
    assert.equal(shortUrl('file:///w/dist/src/protocol/sigv4.js'), 'src/protocol/sigv4.js');
    assert.equal(shortUrl('file:///w/node_modules/pino/lib/tools.js'), 'pino/lib/tools.js');
    assert.equal(shortUrl('node:internal/crypto/hash'), 'node:internal/crypto/hash');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KEYWARDEN_BIN } from './paths.js';
import { binLaunch } from './servers.js';

test("the bench runs Keywarden with the environment and Node options of its bin's first line", () => {
  assert.deepEqual(binLaunch(KEYWARDEN_BIN).nodeFlags, ['--max-semi-space-size=8']);
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-bin-'));
  try {
    const bin = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    // An older build's bin, run by `node` alone.
    const none = { env: {}, nodeFlags: [] };
    assert.deepEqual(binLaunch(bin('plain', "#!/usr/bin/env node\nimport '../dist/src/cli/main.js';\n")), none);
    assert.deepEqual(binLaunch(bin('two', '#!/usr/bin/env -S node --max-semi-space-size=4 --stack-size=900\n')), {
      env: {},
      nodeFlags: ['--max-semi-space-size=4', '--stack-size=900'],
    });
    assert.deepEqual(binLaunch(bin('env', '#!/usr/bin/env -S MALLOC_ARENA_MAX=2 TZ= node --max-semi-space-size=8\n')), {
      env: { MALLOC_ARENA_MAX: '2', TZ: '' },
      nodeFlags: ['--max-semi-space-size=8'],
    });
    // Anything else on the line is not taken for options.
    assert.deepEqual(binLaunch(bin('odd', '#!/bin/sh -e\n')), none);
    assert.deepEqual(binLaunch(bin('lower', '#!/usr/bin/env -S lower=1 node\n')), none);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

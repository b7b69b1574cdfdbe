import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KEYWARDEN_BIN } from './paths.js';
import { binNodeFlags } from './servers.js';

test("the bench runs Keywarden with the Node options of its bin's first line", () => {
  assert.deepEqual(binNodeFlags(KEYWARDEN_BIN), ['--max-semi-space-size=8']);
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-bin-'));
  try {
    const bin = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    // An older build's bin, run by `node` alone.
    assert.deepEqual(binNodeFlags(bin('plain', "#!/usr/bin/env node\nimport '../dist/src/cli/main.js';\n")), []);
    assert.deepEqual(binNodeFlags(bin('two', '#!/usr/bin/env -S node --max-semi-space-size=4 --stack-size=900\n')), ['--max-semi-space-size=4', '--stack-size=900']);
    // Anything else on the line is not taken for options.
    assert.deepEqual(binNodeFlags(bin('odd', '#!/bin/sh -e\n')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

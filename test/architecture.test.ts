import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './support/server.js';

/**
 * Dependencies point inward (DESIGN.md): protocol and operations call the domain; storage and
 * engines implement ports the domain defines; the domain reads no transport, storage or CLI code.
 * Each layer lists the layers it may import from; `app.ts` and `cli/` compose everything.
 */
const ALLOWED: Record<string, string[]> = {
  // A client of the public APIs: it reads none of the service's own code.
  doctor: [],
  core: [],
  kms: ['core', 'authz'],
  keystores: ['core', 'kms', 'cluster'],
  cluster: ['core', 'engines'],
  engines: ['core'],
  audit: ['core'],
  protocol: ['core', 'authz'],
  // And doctor: DiagnoseCustomKeyStore runs it for the console, as a client of this same endpoint.
  operations: ['core', 'protocol', 'kms', 'keystores', 'cluster', 'audit', 'authz', 'doctor'],
  storage: ['core', 'kms', 'keystores', 'cluster', 'audit'],
  console: ['core', 'protocol'],
  observability: ['core', 'protocol'],
  authz: [],
};

const SRC = join(ROOT, 'src');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.ts$/, '');

test('every module imports only from the layers its own layer may depend on', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const file of sources(SRC)) {
    const layer = layerOf(file);
    const allowed = ALLOWED[layer];
    if (!allowed) continue;
    checked++;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to !== layer && !allowed.includes(to)) violations.push(`${relative(ROOT, file)} imports ${m[1]} (${layer} → ${to})`);
    }
  }
  assert.ok(checked > 10, 'the check found the sources');
  assert.deepEqual(violations, []);
});

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
  cluster: ['core'],
  // Engines implement the cluster's HsmEngine port (and only that: see ENGINE_PORT below).
  engines: ['core', 'cluster'],
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

/** The one module of cluster/ that engines may read: the port they implement. */
const ENGINE_PORT = 'src/cluster/hsm-engine.ts';

/** Every relative import of the sources in src/, as the module it names (resolved to its .ts file). */
function* imports(): Generator<{ file: string; specifier: string; target: string }> {
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      if (target.startsWith(SRC)) yield { file, specifier: m[1]!, target };
    }
  }
}

test('every module imports only from the layers its own layer may depend on', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const { file, specifier, target } of imports()) {
    const layer = layerOf(file);
    const allowed = ALLOWED[layer];
    if (!allowed) continue;
    checked++;
    const to = layerOf(target);
    if (to !== layer && !allowed.includes(to)) violations.push(`${relative(ROOT, file)} imports ${specifier} (${layer} → ${to})`);
  }
  assert.ok(checked > 10, 'the check found the sources');
  assert.deepEqual(violations, []);
});

test('engines read nothing of the cluster domain but the HsmEngine port they implement', () => {
  const violations: string[] = [];
  for (const { file, specifier, target } of imports()) {
    if (layerOf(file) === 'engines' && layerOf(target) === 'cluster' && relative(ROOT, target) !== ENGINE_PORT) {
      violations.push(`${relative(ROOT, file)} imports ${specifier}`);
    }
  }
  assert.deepEqual(violations, []);
});

/**
 * The modules that use key material: each asks the key's backend (kms/key-backend.ts) and never
 * which kind of key it has, so a new backend needs no branch here. Choosing the backend is
 * kms/key-backends.ts's alone.
 */
const MATERIAL_PATH = ['crypto.ts', 'data-key-pairs.ts', 'imported-material.ts', 'key-agreement.ts', 'mac.ts', 'rotation.ts', 'signing.ts'];

test('the key-material path branches on no custom key store: it asks the key backend', () => {
  const branches: string[] = [];
  for (const name of MATERIAL_PATH) {
    const text = readFileSync(join(SRC, 'kms', name), 'utf8');
    for (const [i, line] of text.split('\n').entries()) {
      if (/\.customKeyStoreId\b|\bBackingKeyNotFound\b|\bCLUSTER_MATERIAL_VERSION\b/.test(line)) branches.push(`src/kms/${name}:${i + 1}: ${line.trim()}`);
    }
  }
  assert.deepEqual(branches, []);
});

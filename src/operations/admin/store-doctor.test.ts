import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'app.js');

/** The AWS SDK packages a fresh Node process holds once it has imported `module`. */
function sdkPackagesAfterImporting(module: string): string[] {
  const script = `
    await import(${JSON.stringify(module)});
    const { createRequire } = await import('node:module');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    const names = new Set(loaded.map((p) => /node_modules\\/(@aws-sdk\\/client-[\\w-]+)\\//.exec(p)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...names].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })) as string[];
}

describe('the console doctor', () => {
  // Its four SDK clients take ~90 MB of a fresh service's ~100 MB: loaded when first asked for.
  it('is not loaded with the service', () => {
    assert.deepEqual(sdkPackagesAfterImporting(APP), []);
  });

  it('loads its SDK clients when it runs', () => {
    // The check above would pass without any SDK at all if it could not see one: it can.
    const loaded = sdkPackagesAfterImporting(join(dirname(APP), 'operations', 'admin', 'store-doctor-run.js'));
    for (const client of ['@aws-sdk/client-cloudhsm-v2', '@aws-sdk/client-cloudtrail', '@aws-sdk/client-ec2']) assert.ok(loaded.includes(client), `${client} in ${loaded.join(', ')}`);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadClient } from './load.js';
import { KEYWARDEN_BIN, ROOT } from './paths.js';

// A KMS key in a custom key store, made as a reader of the guide makes one: `keywarden cluster
// quickstart` (an ACTIVE cluster with kmsuser), a key store for it, connected, and a key in it.
// The server must have been started with --cluster-delay-ms 0 --connect-delay-ms 0.

const WAIT_MS = 60_000;

interface Quickstart {
  ClusterId: string;
  KmsuserPassword: string;
  TrustAnchorCertificateFile: string;
}

/** The id of a new symmetric key in a new, connected custom key store. */
export async function customKeyStoreKey(kms: LoadClient, endpoint: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-bench-ca-'));
  try {
    const caFile = join(dir, 'ca.crt');
    const cluster = JSON.parse(
      await run([KEYWARDEN_BIN, 'cluster', 'quickstart', '--json', '--trust-anchor-file', caFile, '--endpoint', endpoint]),
    ) as Quickstart;
    const { CustomKeyStoreId } = await kms.call<{ CustomKeyStoreId: string }>('TrentService.CreateCustomKeyStore', {
      CustomKeyStoreName: 'keywarden bench',
      CloudHsmClusterId: cluster.ClusterId,
      KeyStorePassword: cluster.KmsuserPassword,
      TrustAnchorCertificate: readFileSync(cluster.TrustAnchorCertificateFile, 'utf8'),
    });
    await kms.call('TrentService.ConnectCustomKeyStore', { CustomKeyStoreId });
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const { CustomKeyStores } = await kms.call<{ CustomKeyStores: Array<{ ConnectionState: string; ConnectionErrorCode?: string }> }>(
        'TrentService.DescribeCustomKeyStores',
        { CustomKeyStoreId },
      );
      const state = CustomKeyStores[0]?.ConnectionState;
      if (state === 'CONNECTED') break;
      if (state !== 'CONNECTING' || Date.now() > deadline) {
        throw new Error(`the bench's custom key store is ${state} (${CustomKeyStores[0]?.ConnectionErrorCode ?? 'no error code'})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const created = await kms.call<{ KeyMetadata: { KeyId: string } }>('TrentService.CreateKey', {
      Description: 'keywarden bench, custom key store',
      Origin: 'AWS_CLOUDHSM',
      CustomKeyStoreId,
    });
    return created.KeyMetadata.KeyId;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `node <args>` signed as the dev credential; its standard output. */
function run(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: WAIT_MS * 2, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`keywarden ${args.slice(1, 3).join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
